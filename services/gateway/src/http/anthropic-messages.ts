import { Hono } from "hono";
import { AnthropicCountTokensRequest } from "@lantern/shared/contracts";
import { parseRequest } from "../anthropic/request-parsing.js";
import { promptOf } from "../anthropic/to-job.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { countPromptTokens } from "../jobs/tokenizer-client.js";
import { serveMessages } from "../render/anthropic-generation.js";

/** Anthropic's Messages API; its errors are drawn in Anthropic's shape by the app's error handler. */
export function anthropicMessagesRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>()
    .post("/messages", async (c) => serveMessages(c, deps, await readJsonObject(c, deps.config)))
    .post("/messages/count_tokens", async (c) => {
      const req = parseRequest(AnthropicCountTokensRequest, (await readJsonObject(c, deps.config)).object);
      const { input, tools } = promptOf(req);
      const ledger = c.get("ledger");
      ledger.requestedModel(req.model);
      // A request in the key's windows (and its model access checked), not token spend: nothing is generated.
      await ledger.admit({ model: req.model, promptTokensEstimate: 0, completionTokensLimit: 0 });
      return c.json({ input_tokens: await countPromptTokens(deps, req.model, input, tools) });
    });
}
