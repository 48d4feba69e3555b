import type { HttpBindings } from "@hono/node-server";
import type { RequestLedger } from "./request-ledger.js";

/** What each request carries through Hono: the node request and response, its id, its ledger and its response headers. */
export type GatewayEnv = { Bindings: HttpBindings; Variables: { requestId: string; ledger: RequestLedger; responseHeaders: Record<string, string> } };
