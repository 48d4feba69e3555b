import { Hono, type Context } from "hono";
import { EmbeddingRequest, SimilarityRequest, decodeVector, type EmbedItem, type Priority, HttpHeader } from "@lantern/shared/contracts";
import { cosineSimilarity } from "../embeddings/cosine-similarity.js";
import { asRequestParam, EMBED_SAMPLING, embedItems } from "../openai/embedding-input.js";
import { embeddingListBody, similarityBody } from "../openai/embedding-shapes.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonBody } from "../context/read-body.js";
import { requestPriority } from "../context/request-priority.js";
import { clientGoneSignal } from "../context/cancel-signal.js";
import { ensureServed } from "../serving/admission.js";
import { setResponseHeader } from "../context/response-headers.js";

export interface EmbedRequest {
  model: string;
  items: EmbedItem[];
  single: boolean;
  dimensions?: number | undefined;
  priority: Priority | null | undefined;
}

/** An upper bound of the tokens the inputs hold: a token id each, or at least a byte each of text. */
function embedInputSize(items: EmbedItem[]): number {
  return items.reduce((sum, item) => sum + (typeof item === "string" ? Buffer.byteLength(item) : item.length) + 2, 0);
}

/** Runs one embed job through the INFER queue: its vectors in input order and the tokens it read. */
export async function embedOnWorker(c: Context<GatewayEnv>, deps: GatewayDeps, req: EmbedRequest) {
  const priority = requestPriority(c, req.priority);
  const ledger = c.get("ledger");
  ledger.requestedModel(req.model);
  ensureServed(deps, req.model);
  await ledger.admit({ model: req.model, promptTokensEstimate: embedInputSize(req.items), completionTokensLimit: 0 });
  try {
    const call = await deps.inference.submit(
      {
        requestId: c.get("requestId"),
        model: req.model,
        job: { input: { kind: "embed", inputs: req.items, ...(req.dimensions ? { dimensions: req.dimensions } : {}) }, sampling: EMBED_SAMPLING },
        priority,
        signal: clientGoneSignal(c),
      },
      "input",
    );
    setResponseHeader(c, HttpHeader.worker, call.accepted.workerId);
    ledger.servedBy({ provider: "local", workerIds: [call.accepted.workerId] });
    const { vectors, done } = await call.embeddings(req.items.length);
    ledger.usage({ promptTokens: done.usage.promptTokens, completionTokens: 0 });
    return { vectors, promptTokens: done.usage.promptTokens };
  } catch (err) {
    throw asRequestParam(err, req.single);
  }
}

export function embeddingsRoutes(deps: GatewayDeps) {
  const limits = deps.config;
  return new Hono<GatewayEnv>()
    .post("/embeddings", async (c) => {
      const req = await readJsonBody(c, EmbeddingRequest, limits);
      const { vectors, promptTokens } = await embedOnWorker(c, deps, {
        model: req.model,
        ...embedItems(req.input),
        dimensions: req.dimensions ?? undefined,
        priority: req.priority,
      });
      return c.json(embeddingListBody({ model: req.model, vectors, format: req.encoding_format ?? "float", promptTokens }));
    })
    .post("/embeddings/similarity", async (c) => {
      const req = await readJsonBody(c, SimilarityRequest, limits);
      const { vectors, promptTokens } = await embedOnWorker(c, deps, { model: req.model, items: req.input, single: false, priority: req.priority });
      const [a, b] = vectors.map(decodeVector) as [number[], number[]];
      return c.json(similarityBody({ model: req.model, similarity: cosineSimilarity(a, b), promptTokens }));
    });
}
