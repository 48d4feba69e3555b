import type { Handler } from "hono";
import { proxy } from "hono/proxy";
import { ApiError } from "../errors/api-error.js";
import type { GatewayEnv } from "../context/gateway-env.js";

/**
 * A handler passing a web page's call on to the admin service, `/admin` dropped from its path:
 * the caller's Authorization (the admin token) as sent, with the caller's address; a streamed
 * answer (server-sent events) streams through. Without `GATEWAY_ADMIN_URL`, a 404 saying so.
 */
export function forwardToAdmin(adminUrl: string | undefined): Handler<GatewayEnv> {
  return (c) => {
    if (!adminUrl) {
      throw new ApiError(404, "invalid_request_error", "This gateway forwards no admin calls: set GATEWAY_ADMIN_URL to the admin service's URL.", {
        code: "admin_proxy_off",
      });
    }
    const url = new URL(c.req.url);
    const target = new URL(url.pathname.slice("/admin".length) + url.search, adminUrl);
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "accept"]) {
      const value = c.req.header(name);
      if (value !== undefined) headers[name] = value;
    }
    // As the gateway saw the caller (never as they claim): an admin without a token answers only its own machine.
    const client = c.env?.incoming?.socket.remoteAddress;
    if (client) headers["x-forwarded-for"] = client;
    return proxy(target, { method: c.req.method, headers, body: c.req.raw.body, duplex: "half" } as RequestInit);
  };
}
