export { waitFor } from "@lantern/shared/testing";
import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodeMessage, natsNames, UsageEvent, type NatsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureEdgeBuckets, ensureEventsStream, type NatsLink } from "@lantern/shared/nats";
import type { AdminDeps } from "../admin-deps.js";
import { loadAdminConfig } from "../config.js";
import type { AdminDb } from "../db/database.js";

/** Everything a usage or registry part needs, against a test's own NATS namespace and database. */
export async function testAdminDeps(opts: { natsUrl: string; namespace: string; db: AdminDb; modelsDir?: string }): Promise<AdminDeps> {
  const config = loadAdminConfig({
    NATS_URL: opts.natsUrl,
    NATS_NAMESPACE: opts.namespace,
    LOG_LEVEL: "warn",
    ...(opts.modelsDir ? { MODELS_DIR: opts.modelsDir } : {}),
  });
  const logger = createLogger({ service: "admin-test", level: "warn" });
  const nats: NatsLink = await connectNats({ url: opts.natsUrl, name: "admin-test", logger });
  const names = natsNames(opts.namespace);
  const buckets = await ensureEdgeBuckets(nats.nc, names);
  return { config, db: opts.db, nats, names, buckets, logger };
}


export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    v: 1,
    type: "usage",
    id: `ev_${randomUUID()}`,
    at: Date.now(),
    requestId: `req_${randomUUID()}`,
    gatewayId: "gw_test",
    keyId: "key_a",
    method: "POST",
    path: "/v1/chat/completions",
    model: "stories260K",
    servedModel: null,
    provider: "local",
    workerIds: ["w1"],
    status: 200,
    errorType: null,
    stream: false,
    promptTokens: 10,
    cachedTokens: 0,
    completionTokens: 20,
    costUsd: 0.001,
    ttftMs: 5,
    latencyMs: 50,
    cacheHit: false,
    ...overrides,
  };
}

interface UsagePublisher {
  /** Publishes like a gateway does: on `events.usage`, the event id as the JetStream message id. */
  publish(event: UsageEvent, msgID?: string): Promise<void>;
  /** Publishes bytes that are not a usage event, as a faulty publisher might. */
  publishRaw(body: string): Promise<void>;
}

export async function usagePublisher(link: NatsLink, names: NatsNames): Promise<UsagePublisher> {
  await ensureEventsStream(await jetstreamManager(link.nc), names);
  const js = jetstream(link.nc);
  return {
    async publish(event, msgID = event.id) {
      await js.publish(names.subjects.usageEvent, encodeMessage(UsageEvent, event), { msgID });
    },
    async publishRaw(body) {
      await js.publish(names.subjects.usageEvent, new TextEncoder().encode(body));
    },
  };
}
