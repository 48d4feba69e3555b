import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ApiError, internalError, invalidRequest } from "./api-error.js";

function paramOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/** Any thrown value to an ApiError: the edge never answers in any other shape. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const param = issue ? paramOf(issue.path) : null;
    const message = issue ? `Invalid value for '${param ?? "body"}': ${issue.message}` : "Invalid request body.";
    return invalidRequest(message, param);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const type = status >= 500 ? "server_error" : "invalid_request_error";
    return new ApiError(status, type, err.message || "Request failed.");
  }
  return internalError(undefined, err);
}

export function renderError(err: unknown, c: Context): Response {
  const apiError = toApiError(err);
  return c.json(apiError.toBody(), apiError.status, apiError.headers);
}
