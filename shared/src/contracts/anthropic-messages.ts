import { z } from "zod";

/**
 * Request bodies of Anthropic's Messages API (`POST /v1/messages`, `/v1/messages/count_tokens`).
 * Unknown fields are ignored, as clients send extras; blocks and tools the platform cannot honour
 * (images, documents, server tools) parse as `UnsupportedBlock` / `ServerTool`, so the gateway
 * can refuse them naming the field rather than drop them.
 */

const TextBlock = z.object({ type: z.literal("text"), text: z.string() });

/** A block type Anthropic defines that is not served here: refused by the gateway, naming it. */
const UnsupportedBlock = z.looseObject({
  type: z.enum([
    "image",
    "document",
    "search_result",
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
  ]),
});
export type AnthropicUnsupportedBlock = z.infer<typeof UnsupportedBlock>;

const ToolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const ToolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [TextBlock, UnsupportedBlock]))]).optional(),
  is_error: z.boolean().optional(),
});

const ThinkingBlock = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().optional() });

/** Thoughts Anthropic encrypted: nothing a local model can read, so they are passed over. */
const RedactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() });

const ContentBlock = z.discriminatedUnion("type", [TextBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock, UnsupportedBlock]);
export type AnthropicContentBlock = z.infer<typeof ContentBlock>;

export const AnthropicMessage = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ContentBlock)]),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

/**
 * A tool: a client tool (`type` absent or `custom`) the model calls with `input` matching
 * `input_schema`, or one of Anthropic's server tools (web search, code execution, ...), which run
 * on Anthropic's side and are refused by the gateway, naming `type`.
 */
const AnthropicTool = z.looseObject({
  type: z.string().optional(),
  name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1 to 128 letters, digits, '_' or '-'"),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
});
export type AnthropicTool = z.infer<typeof AnthropicTool>;

const parallelOption = { disable_parallel_tool_use: z.boolean().optional() };

const AnthropicToolChoice = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), ...parallelOption }),
  z.object({ type: z.literal("any"), ...parallelOption }),
  z.object({ type: z.literal("tool"), name: z.string().min(1), ...parallelOption }),
  z.object({ type: z.literal("none") }),
]);
export type AnthropicToolChoice = z.infer<typeof AnthropicToolChoice>;

const AnthropicThinking = z.discriminatedUnion("type", [
  z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().min(0) }),
  z.object({ type: z.literal("disabled") }),
  /** The model decides how long to think: thoughts without a budget. */
  z.object({ type: z.literal("adaptive") }),
]);

const System = z.union([z.string(), z.array(TextBlock)]);

/** What `/v1/messages` and `/v1/messages/count_tokens` both read: the conversation and what it may use. */
const PromptFields = {
  model: z.string().min(1).max(256),
  system: System.optional(),
  messages: z.array(AnthropicMessage).min(1),
  tools: z.array(AnthropicTool).max(128).optional(),
  tool_choice: AnthropicToolChoice.optional(),
  thinking: AnthropicThinking.optional(),
  /** Remote MCP servers are connected by Anthropic's side: refused here when any are given. */
  mcp_servers: z.array(z.unknown()).optional(),
};

export const AnthropicMessagesRequest = z.object({
  ...PromptFields,
  max_tokens: z.number().int().min(1),
  /** Each ends the reply where it appears; the worker matches at most four. */
  stop_sequences: z.array(z.string().min(1)).max(4, "at most 4 stop sequences are supported").optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().max(512).nullable().optional() }).optional(),
  stream: z.boolean().optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof AnthropicMessagesRequest>;

export const AnthropicCountTokensRequest = z.object(PromptFields);
export type AnthropicCountTokensRequest = z.infer<typeof AnthropicCountTokensRequest>;

/** Why a reply ended, in Anthropic's words. */
export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";

export interface AnthropicUsage {
  /** Prompt tokens evaluated for this request (not those read from a slot's cache). */
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  /** Prompt tokens a worker's slot already held from an earlier request. */
  cache_read_input_tokens: number;
}

/** An answer's content blocks as a response carries them. */
export type AnthropicResponseBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessageResponse {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** A streamed block's piece: its text, its thoughts, or a piece of its call's input as JSON text. */
type AnthropicBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "input_json_delta"; partial_json: string };

/** The server-sent events of a streamed answer, in the order Anthropic sends them. */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessageResponse }
  | { type: "ping" }
  | { type: "content_block_start"; index: number; content_block: AnthropicResponseBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicBlockDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null }; usage: AnthropicUsage }
  | { type: "message_stop" };

/** Anthropic's error types; each goes with its status. */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

/** An error, whole or as a stream's `error` event. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}
