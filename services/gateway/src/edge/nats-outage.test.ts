import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { natsNames, type UsageEvent, type KeyPolicy } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureEdgeBuckets, ensureEventsStream, startLocalNatsServer, UsageOutbox, type LocalNatsServer, type NatsLink } from "@lantern/shared/nats";
import { uniqueNamespace, usageEventsInStream } from "@lantern/shared/testing";
import { KeyCounters, LimitKeeper, LimitsUnavailableError, type OpOutcome, type Reservation } from "@lantern/shared/limits";

/*
 * What the edge does while NATS is away: usage events wait in the outbox and settlements are
 * retried, both landing once NATS is back; admissions are refused rather than guessed.
 * Needs its own nats-server (stopped and restarted on the same port and store).
 */

const logger = createLogger({ service: "test", level: "silent" });
const names = natsNames(uniqueNamespace("out"));
let dataDir: string;
let server: LocalNatsServer;
let port: number;
let link: NatsLink;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "lantern-outage-"));
  server = await startLocalNatsServer({ dataDir });
  port = Number(new URL(server.url.replace("nats://", "http://")).port);
  link = await connectNats({ url: server.url, name: "outage-test", logger });
});

afterAll(async () => {
  await link?.nc.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const policy: KeyPolicy = {
  v: 1,
  keyId: "k",
  name: "k",
  tags: [],
  allowedModels: null,
  allowedPaths: null,
  rateLimits: [{ kind: "tokens", limit: 1000, windowSeconds: 86_400 }],
  maxConcurrent: 1,
  budget: null,
  cache: null,
  expiresAt: null,
  revoked: false,
};

function reservationOf(outcome: OpOutcome): Reservation {
  if (!outcome.ok || !outcome.reservation) throw new Error("not admitted");
  return outcome.reservation;
}

const event = (i: number): UsageEvent => ({
  v: 1,
  type: "usage",
  id: `req-outage-${i}`,
  at: Date.now(),
  requestId: `req-outage-${i}`,
  gatewayId: "gw-test",
  keyId: "k",
  method: "POST",
  path: "/v1/chat/completions",
  model: "m",
  servedModel: null,
  provider: "local",
  workerIds: [],
  status: 200,
  errorType: null,
  stream: false,
  promptTokens: 1,
  cachedTokens: 0,
  completionTokens: 1,
  costUsd: 0,
  ttftMs: null,
  latencyMs: 1,
  cacheHit: false,
});

describe("while NATS is unavailable", () => {
  it("keeps usage events and settlements until NATS is back, then stores each event once; admissions are refused meanwhile", async () => {
    const jsm = await jetstreamManager(link.nc);
    await ensureEventsStream(jsm, names);
    const { limits } = await ensureEdgeBuckets(link.nc, names);
    const keeper = new LimitKeeper({ limits, logger, retryMs: 100 });
    const outbox = new UsageOutbox({ js: jetstream(link.nc), subject: names.subjects.usageEvent, limit: 1000, logger });

    const admitted = await keeper.admit("key", { policy, id: "held", tokens: 500, costUsd: 0, holdMs: 600_000 });
    expect(admitted.ok).toBe(true);

    await server.stop();
    for (let i = 0; i < 20; i++) outbox.add(event(i));
    const settled = keeper.settle("key", reservationOf(admitted), { tokens: 42, costUsd: 0 });
    await expect(keeper.admit("key", { policy, id: "refused", tokens: 1, costUsd: 0, holdMs: 600_000 })).rejects.toBeInstanceOf(LimitsUnavailableError);
    expect(outbox.pending).toBe(20);
    expect(keeper.pendingSettlements()).toBe(1);

    server = await startLocalNatsServer({ dataDir, port });
    await settled;
    await outbox.close(30_000);
    expect(outbox.pending).toBe(0);

    const ids = (await usageEventsInStream(link.nc, names)).map((e) => e.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);

    const stored = KeyCounters.parse((await limits.get("key"))!.json());
    expect(stored.held).toEqual({});
    expect(stored.windows["tokens:86400"]!.used).toBe(42);
  });
});
