import type { Context, MiddlewareHandler } from "hono";
import type { GatewayEnv } from "./gateway-env.js";

/**
 * The headers a request's response carries besides its own (request id, rate limits, cache,
 * provider), kept in a plain record. Hono's `c.header()` builds web Headers, then a Response to
 * hold them, then copies both when the handler returns: a large share of a small proxied request.
 * A response written straight to the node response takes the record as it is; one that Hono
 * builds gets it from `responseHeaderMiddleware` once the handler returns.
 */
export function responseHeaders(c: Context<GatewayEnv>): Record<string, string> {
  let headers = c.get("responseHeaders");
  if (!headers) c.set("responseHeaders", (headers = {}));
  return headers;
}

/** Sets a header of the response, or with `undefined` takes it off. */
export function setResponseHeader(c: Context<GatewayEnv>, name: string, value: string | undefined): void {
  const headers = responseHeaders(c);
  if (value === undefined) delete headers[name.toLowerCase()];
  else headers[name.toLowerCase()] = value;
}

/**
 * Puts the record on the response Hono builds. Headers the handler gave that response itself
 * win; a response already written to the socket took the record then.
 */
export function responseHeaderMiddleware(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const headers = responseHeaders(c);
    await next();
    if (c.env?.outgoing?.headersSent) return;
    const res = c.res.headers;
    for (const name in headers) if (!res.has(name)) res.set(name, headers[name]!);
  };
}

/**
 * Runs a library middleware that sets its headers through Hono (CORS) so that they land in the
 * record too, before the handler runs: a response written to the socket then carries them.
 */
export function intoResponseHeaders(middleware: MiddlewareHandler): MiddlewareHandler<GatewayEnv> {
  return (c, next) =>
    middleware(c, async () => {
      const headers = responseHeaders(c);
      c.res.headers.forEach((value, name) => (headers[name] ??= value));
      await next();
    });
}
