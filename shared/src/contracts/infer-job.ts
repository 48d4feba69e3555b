import { z } from "zod";

const ChatRole = z.enum(["system", "user", "assistant"]);

/** A function call an assistant turn made, with the result the client fed back for it. */
export const ChatToolCall = z.object({
  name: z.string().min(1),
  /** The arguments as JSON text, as the client sent them back (the gateway checked they parse). */
  arguments: z.string(),
  /** What the tool answered (the `role: "tool"` message's text). */
  result: z.string(),
});
export type ChatToolCall = z.infer<typeof ChatToolCall>;

export const ChatTurn = z.object({
  role: ChatRole,
  content: z.string(),
  /** Assistant turns: what the model thought before answering (the template decides whether it is shown again). */
  reasoning: z.string().optional(),
  /**
   * Assistant turns: the calls made after `content`, each with its result. An assistant turn that
   * follows one with calls continues the same model response, as the template renders it.
   */
  toolCalls: z.array(ChatToolCall).min(1).optional(),
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
  /** Sample among the K most likely tokens only (Anthropic `top_k`); 0: no such limit; absent: the engine's default (40). */
  topK: z.number().int().nonnegative().optional(),
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
 * A constraint on the shape of the generated text, enforced by a grammar while sampling: any JSON
 * object, JSON matching a schema, or a raw GBNF grammar (both checked at the edge before queueing).
 */
export const OutputFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("json") }),
  z.object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal("gbnf"), grammar: z.string().min(1) }),
]);
export type OutputFormat = z.infer<typeof OutputFormat>;

/**
 * Asks for each generated token's log probability and the `top` most likely tokens at its
 * position (OpenAI `logprobs` / `top_logprobs`). Absent: the worker computes none.
 */
export const LogprobsRequest = z.object({ top: z.number().int().min(0).max(20) });
export type LogprobsRequest = z.infer<typeof LogprobsRequest>;

/**
 * Scheduling class of a job. A worker with a free slot starts high before normal before low;
 * a lower class that keeps being passed over is served anyway after an ageing period.
 */
export const Priority = z.enum(["high", "normal", "low"]);
export type Priority = z.infer<typeof Priority>;
/** Highest first: the order a worker looks for work in. */
export const PRIORITIES: readonly Priority[] = Priority.options;

/** A function the model may call; `parameters` was checked to be a schema the grammar can enforce. */
export const ToolSpec = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  /** JSON schema of the arguments object; absent: the function takes none. */
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type ToolSpec = z.infer<typeof ToolSpec>;

/**
 * Function calling for a chat job. `auto`: the model decides, in its template's call syntax;
 * `required`: at least one call to any of the tools; `function`: a call to the named one. The
 * forced modes are constrained by a grammar, so the call always names a tool and its arguments
 * validate. (`tool_choice: "none"` sends no tools at all.)
 */
export const ToolUse = z.object({
  tools: z.array(ToolSpec).min(1),
  choice: z.discriminatedUnion("type", [
    z.object({ type: z.literal("auto") }),
    z.object({ type: z.literal("required") }),
    z.object({ type: z.literal("function"), name: z.string().min(1) }),
  ]),
  /** False: at most one call per reply. */
  parallel: z.boolean(),
});
export type ToolUse = z.infer<typeof ToolUse>;

/** What to do with text the template marks as the model's thoughts. */
export const ReasoningOptions = z.object({
  /** True: thoughts stay in the text, between the template's own tags; false: they travel apart. */
  inline: z.boolean(),
  /** Thought tokens after which the thought segment is closed and the answer begins. */
  maxTokens: z.number().int().nonnegative().optional(),
});
export type ReasoningOptions = z.infer<typeof ReasoningOptions>;

/**
 * What to generate: the client's request turned into a job once, at the edge (or by the
 * orchestrator), and carried as it is to the worker inside the job.
 */
export const GenerationSpec = z.object({
  input: InferInput,
  sampling: Sampling,
  /** Absent: free text. */
  format: OutputFormat.optional(),
  /** Chat only; absent: no functions are offered. */
  tools: ToolUse.optional(),
  /** Chat only; absent: thoughts travel apart, without a budget. */
  reasoning: ReasoningOptions.optional(),
  /** Plain-loop generations only (the worker refuses it where LlamaChat runs the reply). */
  logprobs: LogprobsRequest.optional(),
});
export type GenerationSpec = z.infer<typeof GenerationSpec>;

/** An inference job on the INFER work queue: its spec and where it goes; the reply stream goes to `replyTo` (core NATS). */
export const InferJob = GenerationSpec.extend({
  v: z.literal(1),
  requestId: z.string().min(1),
  model: z.string().min(1),
  replyTo: z.string().min(1),
  /** Epoch ms after which no worker may start the job (the client has been answered 503 by then). */
  startBy: z.number().int(),
  priority: Priority.default("normal"),
});
export type InferJob = z.infer<typeof InferJob>;
