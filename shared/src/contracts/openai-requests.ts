import { z } from "zod";
import { MAX_EMBEDDING_INPUTS, Priority } from "./infer-job.js";
import { GrammarText } from "./output-constraints.js";

/** Request bodies of the OpenAI-compatible HTTP API, shared by the gateway and its clients. */

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const OtherPart = z.looseObject({ type: z.string() });
const ChatMessageContent = z.union([z.string(), z.array(z.union([TextPart, OtherPart]))]);

const ChatMessageRole = z.enum(["system", "developer", "user", "assistant", "tool", "function"]);

/** A call as an assistant message carries it (and as a reply returns it). */
const ChatMessageToolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

export const ChatMessage = z.looseObject({
  role: ChatMessageRole,
  content: ChatMessageContent.nullable().optional(),
  name: z.string().optional(),
  /** Assistant messages: the calls that turn made. */
  tool_calls: z.array(ChatMessageToolCall).nullable().optional(),
  /** Tool messages: which call this is the result of. */
  tool_call_id: z.string().optional(),
  /** Assistant messages, legacy: the one function call that turn made. */
  function_call: z.object({ name: z.string().min(1), arguments: z.string() }).nullable().optional(),
  /** Assistant messages: that turn's thoughts, as replies return them (`reasoning` is accepted as an alias). */
  reasoning_content: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Sampling and streaming fields common to chat and text completions. */
const GenerationFields = {
  model: z.string().min(1).max(256),
  max_tokens: optional(z.number().int().min(1)),
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  stop: optional(z.union([z.string().min(1), z.array(z.string().min(1)).max(4)])),
  seed: optional(z.number().int()),
  presence_penalty: optional(z.number().min(-2).max(2)),
  frequency_penalty: optional(z.number().min(-2).max(2)),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: z.boolean().optional() })),
  user: z.string().max(512).optional(),
  /** Scheduling class (also settable with the `x-priority` header). */
  priority: optional(Priority),
  n: optional(z.number().int().min(1).max(128)),
  logprobs: optional(z.union([z.boolean(), z.number().int()])),
  /** Token id (as a string key) to a bias added to its logit; -100 bans the token. */
  logit_bias: optional(
    z
      .record(z.string().regex(/^\d{1,9}$/, "keys must be token ids"), z.number().min(-100).max(100))
      .refine((bias) => Object.keys(bias).length <= 300, "at most 300 tokens may be biased"),
  ),
};

/** `response_format`: free text, any JSON object, or JSON matching the given schema. */
export const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, '_' or '-'"),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()),
      strict: optional(z.boolean()),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/** A function the model may call: `parameters` is the JSON schema of its arguments object. */
export const FunctionDefinition = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, '_' or '-'"),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: optional(z.boolean()),
});
export type FunctionDefinition = z.infer<typeof FunctionDefinition>;

const ChatTool = z.object({ type: z.literal("function"), function: FunctionDefinition });

/** `tool_choice`: let the model decide, never call, call at least one tool, or call the named one. */
const ToolChoiceOption = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
]);

/** Legacy `function_call`: the same choice for the deprecated `functions` field. */
const FunctionCallOption = z.union([z.enum(["none", "auto"]), z.object({ name: z.string().min(1) })]);

export const ChatCompletionRequest = z.object({
  ...GenerationFields,
  messages: z.array(ChatMessage).min(1),
  max_completion_tokens: optional(z.number().int().min(1)),
  top_logprobs: optional(z.number().int()),
  tools: optional(z.array(ChatTool).max(128)),
  tool_choice: optional(ToolChoiceOption),
  parallel_tool_calls: optional(z.boolean()),
  functions: optional(z.array(FunctionDefinition).max(128)),
  function_call: optional(FunctionCallOption),
  response_format: optional(ResponseFormat),
  /** A GBNF grammar the reply must follow (llama-server's extension); not with `response_format` or tools. */
  grammar: optional(GrammarText),
  /**
   * What becomes of the text a reasoning model writes inside its thought segment: `auto` (the
   * default) returns it apart as `reasoning_content`; `none` leaves it in `content`, between the
   * template's own tags. (llama-server's name and values.)
   */
  reasoning_format: optional(z.enum(["auto", "none"])),
  /** At most this many thought tokens; then the thought is closed and the answer begins. */
  reasoning_budget: optional(z.number().int().min(0)),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionRequest = z.object({
  ...GenerationFields,
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
  echo: optional(z.boolean()),
  suffix: optional(z.string()),
  best_of: optional(z.number().int()),
  response_format: optional(ResponseFormat),
  /** A GBNF grammar the text must follow (llama-server's extension); not with `response_format`. */
  grammar: optional(GrammarText),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

const TokenIds = z.array(z.number().int().min(0, "token ids are not negative")).min(1, "a token array must not be empty");

const describeInput = (input: unknown): string =>
  Array.isArray(input) && input.length === 0
    ? "must not be empty"
    : Array.isArray(input) && input.length > MAX_EMBEDDING_INPUTS
      ? `must hold at most ${MAX_EMBEDDING_INPUTS} inputs`
      : "must be a string, an array of strings, an array of token ids, or an array of token id arrays";

/** OpenAI `input`: one text, several texts, one token array, or several token arrays. */
export const EmbeddingInput = z.union(
  [
    z.string().min(1, "must not be empty"),
    z.array(z.string().min(1, "must not be empty")).min(1).max(MAX_EMBEDDING_INPUTS),
    TokenIds,
    z.array(TokenIds).min(1).max(MAX_EMBEDDING_INPUTS),
  ],
  { error: (issue) => describeInput(issue.input) },
);
export type EmbeddingInput = z.infer<typeof EmbeddingInput>;

export const EmbeddingRequest = z.object({
  model: z.string().min(1).max(256),
  input: EmbeddingInput,
  encoding_format: optional(z.enum(["float", "base64"])),
  /** Keep the first N dimensions, renormalised to unit length. */
  dimensions: optional(z.number().int().min(1)),
  user: z.string().max(512).optional(),
  priority: optional(Priority),
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

/** `POST /v1/embeddings/similarity` (a Lantern extension): the cosine similarity of two texts. */
export const SimilarityRequest = z.object({
  model: z.string().min(1).max(256),
  input: z.tuple([z.string().min(1, "must not be empty"), z.string().min(1, "must not be empty")], {
    error: "must be an array of exactly two texts",
  }),
  user: z.string().max(512).optional(),
  priority: optional(Priority),
});
export type SimilarityRequest = z.infer<typeof SimilarityRequest>;
