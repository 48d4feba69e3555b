import { ApiError } from "@lantern/shared/errors";

/** One ApiError for gateway and admin (`renderError` turns it into the OpenAI error body); the gateway's own errors follow. */
export { ApiError, type ApiErrorType } from "@lantern/shared/errors";

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, "invalid_request_error", message, { param, code });

export const unsupportedParameter = (param: string, detail = "is not supported") =>
  invalidRequest(`'${param}' ${detail}.`, param, "unsupported_parameter");

export const modelNotFound = (model: string) =>
  new ApiError(404, "invalid_request_error", `The model '${model}' does not exist or is not served here.`, {
    param: "model",
    code: "model_not_found",
  });

export const noCapacity = (message: string, retryAfterSeconds: number) =>
  new ApiError(503, "service_unavailable_error", message, {
    code: "no_capacity",
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

/** Too many jobs of the model already wait ahead of this one: come back later rather than wait unboundedly. */
export const queueFull = (model: string, ahead: number, retryAfterSeconds: number) =>
  new ApiError(503, "service_unavailable_error", `The queue for '${model}' is full (${ahead} requests waiting ahead of this one). Retry later.`, {
    code: "queue_full",
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

export const upstreamTimeout = (message: string) => new ApiError(504, "timeout_error", message, { code: "timeout" });

export const internalError = (message = "The server had an error while processing your request.", cause?: unknown) =>
  new ApiError(500, "server_error", message, { code: "internal_error", cause });

/** The client read a stream too slowly: the gateway dropped it rather than hold its worker slot or buffer without end. */
export const clientTooSlow = (detail: string) =>
  new ApiError(408, "timeout_error", `The client read the stream too slowly (${detail}); the stream was dropped and its generation stopped.`, {
    code: "client_too_slow",
  });

/** No stream to resume under that id for this caller: it never existed, belongs to another key, or left the resume window. */
export const streamNotFound = (requestId: string, windowS: number) =>
  new ApiError(
    404,
    "not_found_error",
    windowS > 0
      ? `No resumable stream '${requestId}' here: streams can be resumed for ${windowS} s after their last reply, by the key that started them.`
      : "Resuming streams is turned off on this gateway.",
    { param: "Last-Event-ID", code: "stream_not_found" },
  );

/** The client went away before its answer was ready: nothing to render, nothing to alarm about. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
  constructor() {
    super("The client closed the connection before the response was ready.");
  }
}
