import type { Context } from "hono";
import { Hono } from "hono";
import { natsNames, ResponsesRequest } from "@lantern/shared/contracts";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { invalidRequest } from "../errors/api-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { serveResponses } from "../render/responses-generation.js";
import { StoredResponseClient } from "../responses/stored-response-client.js";
import { pageOfItems } from "../responses/item-pages.js";

/** `/v1/responses`: OpenAI's Responses API; kept responses are the calling key's. */
export function responsesRoutes(deps: GatewayDeps) {
  const store = new StoredResponseClient(deps.nats.nc, natsNames(deps.config.NATS_NAMESPACE));
  const owner = (c: Context<GatewayEnv>) => c.get("ledger").caller.keyId;
  const stored = (c: Context<GatewayEnv>) => store.get(owner(c), c.req.param("id")!);

  return new Hono<GatewayEnv>()
    .post("/responses", async (c) => serveResponses(c, deps, store, ResponsesRequest.parse((await readJsonObject(c, deps.config)).object)))
    .get("/responses/:id", async (c) => {
      if (c.req.query("stream") === "true") throw invalidRequest("Streaming a stored response again is not supported.", "stream", "unsupported_parameter");
      return c.json((await stored(c)).response);
    })
    .delete("/responses/:id", async (c) => {
      await store.delete(owner(c), c.req.param("id")!);
      return c.json({ id: c.req.param("id"), object: "response", deleted: true });
    })
    .get("/responses/:id/input_items", async (c) => c.json(pageOfItems((await stored(c)).inputItems, c.req.query())));
}
