import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ApiError } from "@lantern/shared/errors";
import { internalError, invalidRequest } from "./admin-errors.js";

/** `rateLimits[0].limit`: the field a client has to fix, in the notation of its own code. */
function paramOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/** The value at a zod issue's path in what was parsed; undefined where nothing is there. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * `input`, when given, is what was parsed: a field it lacks is reported missing rather than of the
 * wrong type. `from` says where the fields were: a name a query string may not carry is a parameter.
 */
export function fromZodError(err: ZodError, input?: unknown, from: "body" | "query" = "body"): ApiError {
  // A misspelt field (`allowed_models`) is named itself, so the client sees what to rename; it
  // goes first, since the required field it stands for is then reported missing too.
  const issue = err.issues.find((i) => i.code === "unrecognized_keys") ?? err.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const param = paramOf([...issue.path, issue.keys[0] ?? ""]);
    return from === "query"
      ? invalidRequest(`Unknown query parameter '${param}'.`, param, "unknown_parameter")
      : invalidRequest(`Unknown field '${param}'.`, param, "unknown_field");
  }
  const param = issue ? paramOf(issue.path) : null;
  if (issue?.code === "invalid_type" && param !== null && input !== undefined && valueAt(input, issue.path) === undefined) {
    return invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
  }
  const message = issue ? `Invalid value for '${param ?? "body"}': ${issue.message}` : "Invalid request.";
  return invalidRequest(message, param);
}

/** Any thrown value to an ApiError: the admin API never answers in any other shape. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return fromZodError(err);
  if (err instanceof HTTPException) {
    // Hono's own failures (e.g. a body that is not JSON) are the client's to fix.
    if (err.status < 500) return new ApiError(err.status, "invalid_request_error", err.message || "Bad request.", { code: "invalid_request" });
    return internalError(err);
  }
  return internalError(err);
}

export function renderError(err: unknown, c: Context): Response {
  const apiError = toApiError(err);
  return c.json(apiError.toBody(), apiError.status);
}
