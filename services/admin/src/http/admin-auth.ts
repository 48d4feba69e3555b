import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { unauthorized } from "./api-error.js";
import { renderError } from "./render-error.js";
import type { AdminEnv } from "./admin-router.js";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `Authorization: Bearer <ADMIN_TOKEN>` on every route it guards. Without a token configured the
 * service is bound to loopback (the start-up rule enforces that) and runs open.
 */
export function adminAuth(token: string | undefined, openPaths: readonly string[]): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (token === undefined || openPaths.includes(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return renderError(unauthorized("Missing admin token: send 'Authorization: Bearer <ADMIN_TOKEN>'."), c);
    if (!tokenMatches(match[1]!, token)) return renderError(unauthorized("Invalid admin token."), c);
    return next();
  };
}
