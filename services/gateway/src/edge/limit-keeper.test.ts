import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames, type KeyPolicy, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { KeyCounters, type OpOutcome, type Reservation } from "./limit-counters.js";
import { LimitKeeper } from "./limit-keeper.js";

const logger = createLogger({ service: "test", level: "silent" });

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => unrestrictedKeyPolicy("k", over);

/** Two keepers on two connections: two gateway replicas sharing bucket `limits`. */
let nats: TestNats;
const connections: NatsConnection[] = [];
const replicas: LimitKeeper[] = [];

beforeAll(async () => {
  nats = await useTestNats("lim");
  const names = natsNames(nats.namespace);
  for (let i = 0; i < 2; i++) {
    const nc = await connect({ servers: nats.url });
    connections.push(nc);
    const { limits } = await ensureEdgeBuckets(nc, names);
    replicas.push(new LimitKeeper({ limits, logger }));
  }
});

afterAll(async () => {
  for (const nc of connections) await nc.close();
  await nats?.stop();
});

function reservationOf(outcome: OpOutcome): Reservation {
  if (!outcome.ok || !outcome.reservation) throw new Error("not admitted");
  return outcome.reservation;
}

let n = 0;
const admitOn = (keeper: LimitKeeper, key: string, p: KeyPolicy, tokens = 0) =>
  keeper.admit(key, { policy: p, id: `req${n++}`, tokens, costUsd: 0, holdMs: 60_000 });

describe("LimitKeeper across two replicas", () => {
  it("group-commits: admissions queued together on one gateway take one write", async () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 30, windowSeconds: 86_400 }] });
    const { limits } = await ensureEdgeBuckets(connections[0]!, natsNames(nats.namespace));
    const before = (await limits.status()).streamInfo.state.last_seq;
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => admitOn(replicas[0]!, "batched", p)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(30);
    expect((await limits.get("batched"))!.revision - before).toBe(1);
  });

  it("admits exactly the limit when both replicas admit concurrently", async () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 25, windowSeconds: 86_400 }] });
    const outcomes = await Promise.all(Array.from({ length: 90 }, (_, i) => admitOn(replicas[i % 2]!, "exact", p)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(25);
    const refusals = outcomes.filter((o) => !o.ok);
    expect(refusals).toHaveLength(65);
    for (const o of refusals) if (!o.ok) expect(o.refusal.kind).toBe("requests");
  });

  it("keeps concurrency across replicas: a slot freed on one is taken on the other", async () => {
    const p = policy({ maxConcurrent: 3 });
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => admitOn(replicas[i % 2]!, "conc", p)));
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted).toHaveLength(3);
    expect(outcomes.filter((o) => !o.ok && o.refusal.kind === "concurrency")).toHaveLength(9);
    // Released on replica 0; the next admission on replica 1 (whose cached view is stale) gets it.
    const first = admitted[0]!;
    await replicas[0]!.settle("conc", reservationOf(first), { tokens: 0, costUsd: 0 });
    expect((await admitOn(replicas[1]!, "conc", p)).ok).toBe(true);
    expect((await admitOn(replicas[0]!, "conc", p)).ok).toBe(false);
  });

  it("settles reservations to real usage, so the token window holds what was really used", async () => {
    const p = policy({ rateLimits: [{ kind: "tokens", limit: 1000, windowSeconds: 86_400 }] });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => admitOn(replicas[i % 2]!, "tok", p, 100)));
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted).toHaveLength(10);
    await Promise.all(admitted.map((o, i) => replicas[i % 2]!.settle("tok", reservationOf(o), { tokens: 30, costUsd: 0 })));
    const { limits } = await ensureEdgeBuckets(connections[0]!, natsNames(nats.namespace));
    const stored = KeyCounters.parse(JSON.parse(new TextDecoder().decode((await limits.get("tok"))!.value)));
    expect(stored.windows["tokens:86400"]!.used).toBe(300);
  });
});

describe("LimitKeeper.hasRoom", () => {
  it("says so only for recently confirmed counters with half of every limit to spare", async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const { limits } = await ensureEdgeBuckets(connections[0]!, natsNames(nats.namespace));
    const keeper = new LimitKeeper({ limits, logger, now: () => now });
    const p = policy({ rateLimits: [{ kind: "requests", limit: 10, windowSeconds: 86_400 }] });
    const request = { policy: p, id: "probe", tokens: 0, costUsd: 0, holdMs: 60_000 };
    // Never read: nothing is known about the key.
    expect(keeper.hasRoom("room", request)).toBe(false);
    for (let i = 0; i < 4; i++) expect((await admitOn(keeper, "room", p)).ok).toBe(true);
    // 4 of 10 used: a fifth still fits within half.
    expect(keeper.hasRoom("room", request)).toBe(true);
    expect((await admitOn(keeper, "room", p)).ok).toBe(true);
    expect(keeper.hasRoom("room", request)).toBe(false);
    // Another replica's counts are not seen without a read: an old view is not trusted.
    const fresh = new LimitKeeper({ limits, logger, now: () => now });
    expect((await admitOn(fresh, "room-old", p)).ok).toBe(true);
    expect(fresh.hasRoom("room-old", request)).toBe(true);
    now += 60_000;
    expect(fresh.hasRoom("room-old", request)).toBe(false);
  });
});
