import type { ResponsesRequest, TokenUsage } from "@lantern/shared/contracts";

export type Json = Record<string, unknown>;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** What the Response object echoes of its request, and names it by. */
export interface ResponseEcho {
  id: string;
  createdAt: number;
  request: ResponsesRequest;
}

export interface ResponseState {
  status: ResponseStatus;
  output: Json[];
  usage?: TokenUsage | undefined;
  error?: { code: string; message: string } | undefined;
}

/** OpenAI's Responses usage; thought tokens are not counted apart by the workers, so none are reported. */
export const responsesUsage = (u: TokenUsage) => ({
  input_tokens: u.promptTokens,
  input_tokens_details: { cached_tokens: u.cachedTokens ?? 0 },
  output_tokens: u.completionTokens,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: u.promptTokens + u.completionTokens,
});

/** The Response object in OpenAI's shape, at any point of its life (created, in progress, done). */
export function responseObject({ id, createdAt, request: req }: ResponseEcho, state: ResponseState): Json {
  const tools = (req.tools ?? []).map((tool) => ({ ...tool, strict: (tool as { strict?: unknown }).strict ?? true }));
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: req.model,
    output: state.output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: null },
    store: req.store ?? true,
    temperature: req.temperature ?? 1,
    text: { format: req.text?.format ?? { type: "text" } },
    tool_choice: req.tool_choice ?? "auto",
    tools,
    top_p: req.top_p ?? 1,
    truncation: "disabled",
    usage: state.usage ? responsesUsage(state.usage) : null,
    metadata: req.metadata ?? {},
  };
}
