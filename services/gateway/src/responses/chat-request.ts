import { ChatCompletionRequest, type ReasoningEffort, type ResponsesRequest } from "@lantern/shared/contracts";
import { ApiError, unsupportedParameter } from "../errors/api-error.js";
import { chatJob, type JobRequest } from "../openai/to-job.js";
import { chatMessages, responsesParam } from "./chat-messages.js";
import type { StoredItem } from "./input-items.js";

/** Thought tokens allowed per reasoning effort: none, a short look, up to a long deliberation. */
const REASONING_BUDGET: Record<ReasoningEffort, number> = { none: 0, minimal: 64, low: 512, medium: 2048, high: 8192, xhigh: 16384 };

/** Request fields that ask for what is not built here: refused by name, never dropped. */
function rejectUnsupported(req: ResponsesRequest): void {
  if (req.background) throw unsupportedParameter("background", "is not supported: responses are served while the request waits");
  if (req.conversation != null) throw unsupportedParameter("conversation", "is not supported: continue with 'previous_response_id'");
  if (req.prompt != null) throw unsupportedParameter("prompt", "is not supported: stored prompt templates are not kept here");
  if (req.top_logprobs) throw unsupportedParameter("top_logprobs", "is not supported on /v1/responses");
  req.tools?.forEach((tool, i) => {
    if (tool.type !== "function") throw unsupportedParameter(`tools[${i}].type`, `'${tool.type}' tools are not supported: only function tools are`);
  });
  const choice = req.tool_choice;
  if (choice != null && typeof choice === "object" && choice.type !== "function") {
    throw unsupportedParameter("tool_choice.type", `'${choice.type}' is not supported: use 'none', 'auto', 'required' or a function`);
  }
}

const defined = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null));

function responseFormat(req: ResponsesRequest): object | undefined {
  const format = req.text?.format;
  if (!format) return undefined;
  if (format.type !== "json_schema") return { type: format.type };
  const { name, description, schema, strict } = format;
  return { type: "json_schema", json_schema: defined({ name, description, schema, strict }) };
}

/** A Responses request in OpenAI chat's terms: the body an upstream route step gets, and what the fleet runs. */
export interface ChatPlan {
  body: Record<string, unknown>;
  request: JobRequest;
}

/**
 * The request (after the items of `previous_response_id`, when given) as one chat completion
 * request, checked by the chat path's own rules; errors name the Responses request's fields.
 */
export function chatPlan(req: ResponsesRequest, context: StoredItem[], input: StoredItem[]): ChatPlan {
  rejectUnsupported(req);
  const { messages, sources } = chatMessages(req.instructions, context, input);
  const tools = req.tools?.map((tool) => {
    const fn = tool as Extract<typeof tool, { name: string }>;
    return { type: "function", function: defined({ name: fn.name, description: fn.description, parameters: fn.parameters, strict: fn.strict }) };
  });
  const choice = req.tool_choice;
  const body = defined({
    model: req.model,
    messages,
    max_tokens: req.max_output_tokens,
    temperature: req.temperature,
    top_p: req.top_p,
    seed: req.seed,
    priority: req.priority,
    stream: req.stream ?? false,
    tools: tools?.length ? tools : undefined,
    tool_choice: choice != null && typeof choice === "object" ? { type: "function", function: { name: (choice as { name: string }).name } } : choice,
    parallel_tool_calls: req.parallel_tool_calls,
    response_format: responseFormat(req),
    reasoning_budget: req.reasoning?.effort != null ? REASONING_BUDGET[req.reasoning.effort] : undefined,
  });
  try {
    return { body, request: chatJob(ChatCompletionRequest.parse(body)) };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new ApiError(err.status, err.type, err.message, { param: responsesParam(err.param, sources), code: err.code, headers: err.headers, cause: err });
  }
}
