import { Hono, type Handler } from "hono";
import { proxy } from "hono/proxy";
import { ApiError } from "../errors/api-error.js";
import type { GatewayEnv } from "../context/gateway-env.js";

/**
 * Only what the web app's pages need goes through, nothing more of the admin API: key management
 * (Keys page) and the usage events' aggregates and series (Usage page).
 */
const ADMIN_PROXY_PREFIXES = ["/admin/api/key-management", "/admin/api/events"];

/**
 * Forwards the web app's key management and usage calls to the admin service, on the same origin
 * as the pages (the admin keeps CORS closed). The caller's Authorization (the admin token) is
 * passed on as sent, with the caller's address; without `GATEWAY_ADMIN_URL` nothing is forwarded.
 */
export function adminProxyRoutes(adminUrl: string | undefined) {
  const routes = new Hono<GatewayEnv>();
  const forward: Handler<GatewayEnv> = (c) => {
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
    // Who is calling, as this gateway saw them (never as the client claims): an admin service
    // without a token answers only calls from its own machine.
    const client = c.env?.incoming?.socket.remoteAddress;
    if (client) headers["x-forwarded-for"] = client;
    return proxy(target, { method: c.req.method, headers, body: c.req.raw.body, duplex: "half" } as RequestInit);
  };
  for (const prefix of ADMIN_PROXY_PREFIXES) routes.all(`${prefix}/*`, forward);
  return routes;
}
