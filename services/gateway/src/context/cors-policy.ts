import { HttpHeader } from "@lantern/shared/contracts";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * Cross-origin access to the API. Closed unless origins are listed: with no CORS headers, a page on
 * another origin cannot read any answer, so a key pasted into one site cannot be used from another.
 * `*` opens it to every origin (fine for keyed APIs; never with cookies, which this API does not use).
 */
export function corsPolicy(origins: string): MiddlewareHandler | undefined {
  const allowed = origins
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  if (allowed.length === 0) return undefined;
  return cors({
    origin: allowed.includes("*") ? "*" : allowed,
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    // Anthropic's SDKs send their key and version in headers of their own.
    allowHeaders: ["Authorization", "X-Api-Key", "Anthropic-Version", "Anthropic-Beta", "Anthropic-Dangerous-Direct-Browser-Access", "Content-Type", "Last-Event-ID", "X-Priority", "X-Request-Id", HttpHeader.cache],
    exposeHeaders: [
      "X-Request-Id",
      "Retry-After",
      HttpHeader.cache,
      HttpHeader.worker,
      HttpHeader.provider,
      HttpHeader.conversationHistory,
      HttpHeader.conversationDropped,
      "X-RateLimit-Limit-Requests",
      "X-RateLimit-Remaining-Requests",
      "X-RateLimit-Reset-Requests",
      "X-RateLimit-Limit-Tokens",
      "X-RateLimit-Remaining-Tokens",
      "X-RateLimit-Reset-Tokens",
    ],
    maxAge: 600,
  });
}
