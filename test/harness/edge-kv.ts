import { connect } from "@nats-io/transport-node";
import { encodeMessage, ModelRoute, natsNames, ProviderSetting, toModelToken } from "@lantern/shared/contracts";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";

/** Writes provider settings and routes into KV the way the admin service projects them. */
export interface EdgeKv {
  buckets: EdgeBuckets;
  putProvider(setting: Omit<ProviderSetting, "v">): Promise<void>;
  putRoute(route: Omit<ModelRoute, "v">): Promise<void>;
  deleteRoute(model: string): Promise<void>;
  close(): Promise<void>;
}

export async function openEdgeKv(url: string, namespace: string): Promise<EdgeKv> {
  const nc = await connect({ servers: url });
  const buckets = await ensureEdgeBuckets(nc, natsNames(namespace));
  return {
    buckets,
    async putProvider(setting) {
      await buckets.providers.put(setting.name, encodeMessage(ProviderSetting, { v: 1, ...setting }));
    },
    async putRoute(route) {
      await buckets.routes.put(toModelToken(route.model), encodeMessage(ModelRoute, { v: 1, ...route }));
    },
    async deleteRoute(model) {
      await buckets.routes.delete(toModelToken(model));
    },
    close: () => nc.close(),
  };
}

/** The data of each server-sent event of a response, in order (`[DONE]` included). */
export async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .map((event) => event.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n"))
    .filter((data) => data.length > 0);
}

/** The text a streamed chat answer carried, joined. */
export function streamedText(data: string[]): string {
  return data
    .filter((d) => d !== "[DONE]")
    .map((d) => JSON.parse(d) as { choices?: Array<{ delta?: { content?: string }; text?: string }> })
    .flatMap((chunk) => chunk.choices ?? [])
    .map((choice) => choice.delta?.content ?? choice.text ?? "")
    .join("");
}
