import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  /** Over a limit of requests or of tokens per window (OpenAI's types for rate limits). */
  | "requests"
  | "tokens"
  | "insufficient_quota"
  | "rate_limit_error"
  | "server_error"
  | "service_unavailable_error"
  | "timeout_error";

/** An error answer as clients read it, OpenAI's shape: `param` names the field to fix. */
interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

interface ApiErrorOptions {
  param?: string | null;
  code?: string | null;
  /** Sent with the answer, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error the HTTP services (gateway and admin) throw; each renders it as `toBody()`, so one
 * client-side error handler serves both.
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ApiErrorType,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}
