import { ApiError } from "@lantern/shared/errors";

/* The admin API's errors, in the OpenAI error shape the gateway answers with too. */

export const invalidRequest = (message: string, param: string | null = null, code: string | null = "invalid_value") =>
  new ApiError(400, "invalid_request_error", message, { param, code });

/** Unknown id in a path: 404 naming the path parameter. */
export const notFound = (what: string, id: string, param: string) =>
  new ApiError(404, "invalid_request_error", `No ${what} '${id}'.`, { param, code: "not_found" });

export const conflict = (message: string, param: string | null, code: string) =>
  new ApiError(409, "invalid_request_error", message, { param, code });

export const unauthorized = (message: string) =>
  new ApiError(401, "authentication_error", message, { code: "invalid_admin_token" });

/** A call from another machine to an admin service that has no token (it answers this machine only). */
export const localOnly = (message: string) => new ApiError(403, "permission_error", message, { code: "admin_local_only" });

export const internalError = (cause?: unknown) =>
  new ApiError(500, "server_error", "The admin service had an error while processing your request.", { code: "internal_error", cause });
