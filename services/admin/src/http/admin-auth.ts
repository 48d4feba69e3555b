import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { isLoopbackHost } from "../bind-policy.js";
import { localOnly, unauthorized } from "./admin-errors.js";
import { renderError } from "./render-error.js";
import type { AdminEnv } from "./admin-router.js";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Whether every client a proxy says it forwards for (`X-Forwarded-For`) is on this machine. */
const forwardedFromHere = (forwardedFor: string | undefined) =>
  forwardedFor === undefined || forwardedFor.split(",").every((address) => isLoopbackHost(address.trim()));

/**
 * `Authorization: Bearer <ADMIN_TOKEN>` on every route it guards. Without a token configured the
 * service is bound to loopback (the start-up rule enforces that) and runs open to this machine
 * only: a call a gateway forwarded from another machine (its `X-Forwarded-For`) is refused, or
 * the gateway's web pages would hand key management to anyone who reaches the gateway.
 */
export function adminAuth(token: string | undefined, openPaths: readonly string[]): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (openPaths.includes(c.req.path)) return next();
    if (token === undefined) {
      if (forwardedFromHere(c.req.header("x-forwarded-for"))) return next();
      return renderError(
        localOnly("This admin service has no ADMIN_TOKEN, so it answers this machine only; set ADMIN_TOKEN to manage keys from elsewhere."),
        c,
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return renderError(unauthorized("Missing admin token: send 'Authorization: Bearer <ADMIN_TOKEN>'."), c);
    if (!tokenMatches(match[1]!, token)) return renderError(unauthorized("Invalid admin token."), c);
    return next();
  };
}
