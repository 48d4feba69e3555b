import { Hono } from "hono";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonBody } from "../context/read-body.js";
import { DetokenizeBody, serveDetokenize, serveTokenize, TokenizeBody } from "../serving/serve-tokens.js";

/** `POST /tokenize` and `POST /detokenize`, llama.cpp server's routes (mounted at the root and under `/v1`). */
export function tokensRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>()
    .post("/tokenize", async (c) => c.json(await serveTokenize(deps, c.get("ledger"), await readJsonBody(c, TokenizeBody, deps.config))))
    .post("/detokenize", async (c) => c.json(await serveDetokenize(deps, c.get("ledger"), await readJsonBody(c, DetokenizeBody, deps.config))));
}
