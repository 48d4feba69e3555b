import { ApiError } from "../errors/api-error.js";
import { refusalIsFinal, refusalMessage, type Refusal } from "@lantern/shared/limits";

const invalidApiKey = (message: string) => new ApiError(401, "invalid_request_error", message, { code: "invalid_api_key" });

export const missingApiKey = () =>
  invalidApiKey("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or in an x-api-key header.");

export const unknownApiKey = () => invalidApiKey("Incorrect API key provided.");

export const revokedApiKey = () => invalidApiKey("The API key provided has been revoked.");

export const expiredApiKey = () => invalidApiKey("The API key provided has expired.");

export const pathNotAllowed = (path: string) =>
  new ApiError(403, "permission_error", `This API key is not allowed to use ${path}.`, { code: "path_not_allowed" });

export const modelNotAllowed = (model: string) =>
  new ApiError(403, "permission_error", `This API key is not allowed to use the model '${model}'.`, { param: "model", code: "model_not_allowed" });

export const limitsUnavailable = () =>
  new ApiError(503, "service_unavailable_error", "Rate limits cannot be checked right now. Retry shortly.", {
    code: "limits_unavailable",
    headers: { "Retry-After": "1" },
  });

/** A refused admission in OpenAI's shape, with when to come back (no Retry-After when coming back cannot help). */
export function overLimit(refusal: Refusal): ApiError {
  const headers: Record<string, string> =
    refusal.retryAfterSeconds === null || refusalIsFinal(refusal) ? {} : { "Retry-After": String(refusal.retryAfterSeconds) };
  const message = refusalMessage(refusal, "This API key", "request");
  switch (refusal.kind) {
    case "requests":
    case "tokens":
      return new ApiError(429, refusal.kind, message, { code: "rate_limit_exceeded", headers });
    case "concurrency":
      return new ApiError(429, "requests", message, { code: "concurrency_limit_exceeded", headers });
    case "budget":
      return new ApiError(429, "insufficient_quota", message, { code: "insufficient_quota", headers });
  }
}
