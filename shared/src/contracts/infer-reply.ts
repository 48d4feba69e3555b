import { z } from "zod";

export const FinishReason = z.enum(["stop", "length", "cancelled", "tool_calls"]);
export type FinishReason = z.infer<typeof FinishReason>;

const InferErrorCode = z.enum([
  "context_length_exceeded",
  "invalid_job",
  /** The job's output format could not be turned into a grammar. */
  "invalid_output_format",
  /** A request value this model cannot take (e.g. a logit_bias token id outside its vocabulary). */
  "invalid_parameter",
  "model_not_loaded",
  "internal",
]);

export const TokenUsage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Of `promptTokens`, those the worker's slot already held from an earlier job and did not evaluate again. */
  cachedTokens: z.number().int().nonnegative().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** A worker took the job, the prompt fits the context, generation is starting. */
export const InferAccepted = z.object({
  v: z.literal(1),
  kind: z.literal("accepted"),
  workerId: z.string(),
  /** JetStream delivery count: above 1 means the job was redelivered after a worker was lost. */
  attempt: z.number().int().positive(),
  promptTokens: z.number().int().nonnegative(),
});

/** A token's natural-log probability (<= 0) in the distribution it was sampled from. */
export const TokenLogprob = z.object({
  /** Its text in the reply; "" for the leading tokens of a character spread over several (the last one carries it). */
  token: z.string(),
  logprob: z.number(),
  /** The most likely tokens at its position, most likely first. */
  top: z.array(z.object({ token: z.string(), logprob: z.number() })),
});
export type TokenLogprob = z.infer<typeof TokenLogprob>;

/**
 * A piece of generated text. `offset` is how much text (UTF-16 units) this attempt sent before
 * it: a redelivered job starts again at 0 with the same seed, so a receiver skips what it has.
 */
export const InferChunk = z.object({
  v: z.literal(1),
  kind: z.literal("chunk"),
  offset: z.number().int().nonnegative(),
  text: z.string(),
  /** When the job asked for them: one entry per token of `text`, whose texts join to exactly `text`. */
  logprobs: z.array(TokenLogprob).optional(),
});

/** A piece of the model's thoughts (text inside the template's thought segment); `offset` as in a chunk. */
const InferReasoning = z.object({
  v: z.literal(1),
  kind: z.literal("reasoning"),
  offset: z.number().int().nonnegative(),
  text: z.string(),
});

/**
 * A piece of the arguments (JSON text) of the reply's `index`-th function call. `offset` counts
 * within that call's arguments, so a redelivered job's calls can be skipped like its text.
 */
const InferToolCall = z.object({
  v: z.literal(1),
  kind: z.literal("tool_call"),
  index: z.number().int().nonnegative(),
  name: z.string().min(1),
  offset: z.number().int().nonnegative(),
  arguments: z.string(),
});

/**
 * The key of a reply's text channel: each counts its own offsets, and `InferDone.sent` says how
 * much of each was sent. Content, thoughts and each function call's arguments.
 */
export const textChannel = {
  content: "content",
  reasoning: "reasoning",
  toolCall: (index: number) => `tool_call:${index}`,
} as const;

export const InferDone = z.object({
  v: z.literal(1),
  kind: z.literal("done"),
  finishReason: FinishReason,
  /**
   * UTF-16 units of text sent before this end, by `textChannel` key: a reader that has less lost
   * the last pieces on the way. Absent from older workers.
   */
  sent: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Which of the job's `stop` strings ended the reply, when one did (Anthropic names it). */
  stopSequence: z.string().optional(),
  usage: TokenUsage,
  timings: z.object({
    queuedMs: z.number().nonnegative(),
    promptMs: z.number().nonnegative(),
    generateMs: z.number().nonnegative(),
  }),
});

export const InferError = z.object({
  v: z.literal(1),
  kind: z.literal("error"),
  code: InferErrorCode,
  message: z.string(),
  param: z.string().nullable().default(null),
});

/**
 * Vectors of an embed job, unit length, each as base64 of little-endian float32 (OpenAI's base64
 * format): exact, and a quarter of the size of JSON numbers. A big job's vectors come in several
 * messages, each under the NATS max payload; `index` places the first one among the job's inputs.
 * The job ends with `done` as any other.
 */
const InferEmbeddings = z.object({
  v: z.literal(1),
  kind: z.literal("embeddings"),
  index: z.number().int().nonnegative(),
  vectors: z.array(z.string()).min(1),
});

export const InferReply = z.discriminatedUnion("kind", [InferAccepted, InferChunk, InferDone, InferError, InferEmbeddings, InferReasoning, InferToolCall]);
export type InferReply = z.infer<typeof InferReply>;
export type InferAccepted = z.infer<typeof InferAccepted>;
export type InferChunk = z.infer<typeof InferChunk>;
export type InferDone = z.infer<typeof InferDone>;
export type InferError = z.infer<typeof InferError>;
