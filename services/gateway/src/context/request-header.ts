import type { Context } from "hono";
import type { GatewayEnv } from "./gateway-env.js";

/**
 * One request header, read from Node's own parsed headers: `c.req.header()` first builds the web
 * Headers object of the whole request (about 8 KiB per request). In-process requests (no Node
 * request behind them) are read through Hono. `name` is lower case, as Node keys them.
 */
export function requestHeader(c: Context<GatewayEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
