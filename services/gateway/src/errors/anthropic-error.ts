import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AnthropicErrorBody, AnthropicErrorType } from "@lantern/shared/contracts";
import type { ApiError } from "./api-error.js";

/** Anthropic's status for an overloaded service: a full queue, no capacity, limits that cannot be checked. */
const OVERLOADED = 529;

/** Whether a request speaks Anthropic's Messages API, and so hears its errors in Anthropic's shape. */
export function isAnthropicPath(path: string): boolean {
  return path === "/v1/messages" || path.startsWith("/v1/messages/");
}

function typeOf(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case OVERLOADED:
      return "overloaded_error";
    case 408:
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

/** An ApiError as Anthropic states it: its status and body. The field at fault leads the message, as in Anthropic's own. */
export function anthropicError(err: ApiError, requestId?: string): { status: number; body: AnthropicErrorBody } {
  const status = err.status === 503 ? OVERLOADED : err.status;
  const message = err.param && !err.message.includes(err.param) ? `${err.param}: ${err.message}` : err.message;
  return { status, body: { type: "error", error: { type: typeOf(status), message }, ...(requestId ? { request_id: requestId } : {}) } };
}

export function renderAnthropicError(err: ApiError, c: Context): Response {
  const { status, body } = anthropicError(err, c.get("requestId") as string | undefined);
  return c.json(body, status as ContentfulStatusCode, err.headers);
}
