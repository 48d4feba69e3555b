import { Hono } from "hono";
import { decodeVector, SopEmbeddingsBody, SopSimilarityBody } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { cosineSimilarity } from "../embeddings/cosine-similarity.js";
import { renderSopError } from "../compat/sop/sop-errors.js";
import { embedOnWorker } from "./embeddings.js";

/** The SOP executor's `/api/v1/embeddings` and `/similarity`: the same embed jobs as `/v1/embeddings`, its shapes. */
export function sopEmbeddingsRoutes(deps: GatewayDeps) {
  const app = new Hono<GatewayEnv>();
  app.onError((err, c) => renderSopError(err, c));
  return app
    .post("/embeddings", async (c) => {
      const body = SopEmbeddingsBody.parse((await readJsonObject(c, deps.config)).object);
      const { vectors } = await embedOnWorker(c, deps, { model: body.model_name, items: body.texts, single: false, priority: undefined });
      const embeddings = vectors.map(decodeVector);
      return c.json({ embeddings, model: body.model_name, dimensions: embeddings[0]?.length ?? 0 });
    })
    .post("/embeddings/similarity", async (c) => {
      const body = SopSimilarityBody.parse((await readJsonObject(c, deps.config)).object);
      const { vectors } = await embedOnWorker(c, deps, { model: body.model_name, items: [body.text1, body.text2], single: false, priority: undefined });
      const [a, b] = vectors.map(decodeVector) as [number[], number[]];
      return c.json({ similarity: cosineSimilarity(a, b), text1: body.text1, text2: body.text2, model: body.model_name });
    });
}
