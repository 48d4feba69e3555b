import { z } from "zod";

export const ChatRole = z.enum(["system", "user", "assistant"]);
export type ChatRole = z.infer<typeof ChatRole>;

export const ChatTurn = z.object({
  role: ChatRole,
  content: z.string(),
});
export type ChatTurn = z.infer<typeof ChatTurn>;

/** Most texts (or token arrays) one embedding request may carry; OpenAI's own limit. */
export const MAX_EMBEDDING_INPUTS = 2048;

/** A text, or token ids of the model's vocabulary, to embed. */
export const EmbedItem = z.union([z.string().min(1), z.array(z.number().int().nonnegative()).min(1)]);
export type EmbedItem = z.infer<typeof EmbedItem>;

export const InferInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("chat"), messages: z.array(ChatTurn).min(1) }),
  z.object({ kind: z.literal("completion"), prompt: z.string() }),
  /** One vector per item, in order; nothing is sampled, so the job's `sampling` is not used. */
  z.object({
    kind: z.literal("embed"),
    inputs: z.array(EmbedItem).min(1).max(MAX_EMBEDDING_INPUTS),
    /** Keep the first N dimensions (renormalised); absent: the model's full embedding size. */
    dimensions: z.number().int().positive().optional(),
  }),
]);
export type InferInput = z.infer<typeof InferInput>;

export const Sampling = z.object({
  /** Upper bound on generated tokens; the worker also stops at the end of its context. */
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  /** Always set (the gateway picks one when the client did not), so a redelivered job reproduces its text. */
  seed: z.number().int().nonnegative(),
  presencePenalty: z.number().min(-2).max(2),
  frequencyPenalty: z.number().min(-2).max(2),
  stop: z.array(z.string().min(1)).max(4),
  /** OpenAI `logit_bias`: token id to a bias added to its logit (-100 bans it). */
  logitBias: z.record(z.string().regex(/^\d+$/), z.number().min(-100).max(100)).optional(),
});
export type Sampling = z.infer<typeof Sampling>;

/**
 * A constraint on the shape of the generated text, enforced by a grammar while sampling:
 * any JSON object, or JSON matching a schema (already checked to be one the worker can express).
 */
export const OutputFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("json") }),
  z.object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }),
]);
export type OutputFormat = z.infer<typeof OutputFormat>;

/**
 * Scheduling class of a job. A worker with a free slot starts high before normal before low;
 * a lower class that keeps being passed over is served anyway after an ageing period.
 */
export const Priority = z.enum(["high", "normal", "low"]);
export type Priority = z.infer<typeof Priority>;
/** Highest first: the order a worker looks for work in. */
export const PRIORITIES: readonly Priority[] = Priority.options;

/** An inference job on the INFER work queue; the reply stream goes to `replyTo` (core NATS). */
export const InferJob = z.object({
  v: z.literal(1),
  requestId: z.string().min(1),
  model: z.string().min(1),
  replyTo: z.string().min(1),
  /** Epoch ms after which no worker may start the job (the client has been answered 503 by then). */
  startBy: z.number().int(),
  priority: Priority.default("normal"),
  input: InferInput,
  sampling: Sampling,
  /** Absent: free text. */
  format: OutputFormat.optional(),
});
export type InferJob = z.infer<typeof InferJob>;
