import { ApiError } from "../errors/api-error.js";

export const providerNotFound = (name: string) =>
  new ApiError(404, "invalid_request_error", `No upstream provider is named '${name}'.`, { code: "provider_not_found" });

const upstreamUnreachable = (provider: string, cause: unknown) =>
  new ApiError(502, "server_error", `The upstream provider '${provider}' could not be reached.`, { code: "upstream_unreachable", cause });

export const upstreamTimedOut = (provider: string, timeoutMs: number) =>
  new ApiError(504, "timeout_error", `The upstream provider '${provider}' did not answer within ${timeoutMs} ms.`, { code: "upstream_timeout" });

export const upstreamBroken = (provider: string, cause: unknown) =>
  new ApiError(502, "server_error", `The upstream provider '${provider}' sent an answer that could not be read.`, { code: "upstream_bad_response", cause });

export const upstreamTooLarge = (provider: string, limitBytes: number, what: "an answer" | "a stream event") =>
  new ApiError(502, "server_error", `The upstream provider '${provider}' sent ${what} larger than ${limitBytes} bytes.`, { code: "upstream_response_too_large" });

const UNDICI_TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** A failed upstream call as the client sees it: a timeout is 504, anything else on the wire 502. */
export function upstreamFailure(provider: string, timeoutMs: number, err: unknown): ApiError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNDICI_TIMEOUTS.has(code)) return upstreamTimedOut(provider, timeoutMs);
  return upstreamUnreachable(provider, err);
}

/**
 * An upstream's error body in the OpenAI shape: passed on as it came when it already is one,
 * wrapped when it is anything else (an HTML page from a proxy, plain text).
 */
export function openAiErrorBody(status: number, body: Buffer): Buffer {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { error?: unknown };
    if (parsed && typeof parsed.error === "object" && parsed.error !== null) return body;
  } catch {
    // not JSON: wrapped below
  }
  const text = body.toString("utf8").trim().slice(0, 500);
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  const message = text ? `The upstream provider answered ${status}: ${text}` : `The upstream provider answered ${status}.`;
  return Buffer.from(JSON.stringify({ error: { message, type, param: null, code: "upstream_error" } }));
}
