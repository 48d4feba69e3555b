import type { ContentfulStatusCode } from "hono/utils/http-status";

export type AdminErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "conflict_error" | "server_error";

/**
 * The one error the admin API throws; rendered in the same OpenAI error shape the gateway uses, so
 * one client-side error handler serves both services.
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly param: string | null;
  readonly code: string | null;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: AdminErrorType,
    message: string,
    options: { param?: string | null; code?: string | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

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
