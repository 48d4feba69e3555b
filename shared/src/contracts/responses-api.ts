import { z } from "zod";
import { Priority } from "./infer-job.js";

/**
 * OpenAI's Responses API (`POST /v1/responses`): the request as the gateway reads it. Unknown
 * fields are dropped (clients send extras); kinds the platform cannot honour (image and file
 * parts, built-in tools, other item types) still parse, so the gateway can refuse them by name.
 */

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** A content part of any other kind (`input_image`, `input_file`, ...): refused by name. */
const OtherPart = z.looseObject({ type: z.string() });

export const InputTextPart = z.looseObject({ type: z.literal("input_text"), text: z.string() });
export const OutputTextPart = z.looseObject({ type: z.literal("output_text"), text: z.string() });
const RefusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const MessagePart = z.union([InputTextPart, OutputTextPart, RefusalPart, OtherPart]);

export const ResponsesMessageItem = z.looseObject({
  type: z.literal("message").optional(),
  id: z.string().optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(MessagePart)]),
  status: z.string().optional(),
});
export type ResponsesMessageItem = z.infer<typeof ResponsesMessageItem>;

export const FunctionCallItem = z.looseObject({
  type: z.literal("function_call"),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: z.string().optional(),
});
export type FunctionCallItem = z.infer<typeof FunctionCallItem>;

export const FunctionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  id: z.string().optional(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(MessagePart)]),
  status: z.string().optional(),
});
export type FunctionCallOutputItem = z.infer<typeof FunctionCallOutputItem>;

/** A model's thoughts, as an earlier response returned them (a client chaining by hand sends them back). */
export const ReasoningItem = z.looseObject({
  type: z.literal("reasoning"),
  id: z.string().optional(),
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })).default([]),
  content: optional(z.array(z.looseObject({ type: z.string(), text: z.string() }))),
});
export type ReasoningItem = z.infer<typeof ReasoningItem>;

/** Any other item type (`item_reference`, `web_search_call`, ...): refused by name. */
const OtherItem = z.looseObject({ type: z.string() });

export const ResponsesInputItem = z.union([ResponsesMessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem, OtherItem]);
export type ResponsesInputItem = z.infer<typeof ResponsesInputItem>;

/** A function tool: flat, unlike chat's `{type, function: {...}}`. */
export const ResponsesFunctionTool = z.object({
  type: z.literal("function"),
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, '_' or '-'"),
  description: optional(z.string()),
  parameters: optional(z.record(z.string(), z.unknown())),
  strict: optional(z.boolean()),
});
export type ResponsesFunctionTool = z.infer<typeof ResponsesFunctionTool>;

/** Built-in tools (`web_search`, `file_search`, ...) parse here and are refused by name. */
const ResponsesTool = z.union([ResponsesFunctionTool, z.looseObject({ type: z.string() })]);

const ResponsesToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: z.string().min(1) }),
  z.looseObject({ type: z.string() }),
]);

/** `text.format`: free text, any JSON object, or JSON matching the given schema (flat, unlike chat's `response_format`). */
export const ResponsesTextFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, '_' or '-'"),
    description: optional(z.string()),
    schema: z.record(z.string(), z.unknown()),
    strict: optional(z.boolean()),
  }),
]);
export type ResponsesTextFormat = z.infer<typeof ResponsesTextFormat>;

export const ReasoningEffort = z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

export const ResponsesRequest = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(ResponsesInputItem)]),
  instructions: optional(z.string()),
  max_output_tokens: optional(z.number().int().min(1)),
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  tools: optional(z.array(ResponsesTool).max(128)),
  tool_choice: optional(ResponsesToolChoice),
  parallel_tool_calls: optional(z.boolean()),
  text: optional(z.looseObject({ format: optional(ResponsesTextFormat) })),
  reasoning: optional(z.looseObject({ effort: optional(ReasoningEffort) })),
  metadata: optional(z.record(z.string(), z.string().max(512)).refine((m) => Object.keys(m).length <= 16, "at most 16 keys")),
  /** Kept for `GET /v1/responses/{id}` and `previous_response_id` (OpenAI's default: true). */
  store: optional(z.boolean()),
  previous_response_id: optional(z.string().min(1)),
  stream: optional(z.boolean()),
  /** Asked to run in the background: not built, refused when true. */
  background: optional(z.boolean()),
  top_logprobs: optional(z.number().int().min(0)),
  /** OpenAI's own conversation objects and stored prompts: not served here, refused by name. */
  conversation: optional(z.unknown()),
  prompt: optional(z.unknown()),
  /** A Lantern extension, as on chat completions: fixes the sampler's seed. */
  seed: optional(z.number().int()),
  /** A Lantern extension: the scheduling class (also settable with the `x-priority` header). */
  priority: optional(Priority),
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;
