// What the gateway benchmark serves and sends: one model on one custom provider, an API key with a
// generous policy, and the two request bodies.
import { connect } from "@nats-io/transport-node";
import {
  encodeMessage,
  hashApiKey,
  KeyPolicy,
  ModelPrice,
  natsNames,
  ProviderSetting,
  toModelToken,
} from "@lantern/shared/contracts";
import { ensureEdgeBuckets } from "@lantern/shared/nats";

export const MODEL = "bench-model";
export const PROVIDER = "bench";
export const API_KEY = "sk-lantern-bench-0123456789abcdef";
export const UPSTREAM_API_KEY = "sk-upstream-bench";

export const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say hello." }], max_tokens: 64 });
export const streamBody = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say hello." }], max_tokens: 256, stream: true });

/** Writes what the admin service would: the provider, a key with a generous policy, the model's price. */
export async function writeEdgeKv(natsUrl: string, namespace: string, upstreamUrl: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  const buckets = await ensureEdgeBuckets(nc, natsNames(namespace));
  await buckets.providers.put(
    PROVIDER,
    encodeMessage(ProviderSetting, { v: 1, name: PROVIDER, baseUrl: upstreamUrl, apiKey: UPSTREAM_API_KEY, timeoutMs: 30_000 }),
  );
  await buckets.keys.put(
    hashApiKey(API_KEY),
    encodeMessage(KeyPolicy, {
      v: 1,
      keyId: "key_bench",
      name: "gateway benchmark",
      tags: ["bench"],
      allowedModels: null,
      allowedPaths: null,
      rateLimits: [
        { kind: "requests", limit: 1_000_000_000, windowSeconds: 60 },
        { kind: "tokens", limit: 1_000_000_000_000, windowSeconds: 60 },
      ],
      maxConcurrent: null,
      budget: { amountUsd: 1_000_000_000, period: "month" },
      cache: null,
      expiresAt: null,
      revoked: false,
    }),
  );
  await buckets.prices.put(toModelToken(MODEL), encodeMessage(ModelPrice, { v: 1, model: MODEL, inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 }));
  await nc.close();
}
