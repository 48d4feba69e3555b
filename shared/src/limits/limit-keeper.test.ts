import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames, type KeyPolicy, unrestrictedKeyPolicy } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { ensureEdgeBuckets } from "../nats/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { KeyCounters } from "./key-counters.js";
import type { OpOutcome, Reservation } from "./limit-counters.js";
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

describe("LimitKeeper leases", () => {
  const storedCounters = async (key: string) => {
    const { limits } = await ensureEdgeBuckets(connections[0]!, natsNames(nats.namespace));
    const entry = await limits.get(key);
    return { revision: entry!.revision, counters: KeyCounters.parse(JSON.parse(new TextDecoder().decode(entry!.value))) };
  };
  const leaseEnds = () => new Promise((r) => setTimeout(r, 1_300));

  it("far from a limit, admits from a lease: a run of requests takes a few writes, not one each", async () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 1_000_000, windowSeconds: 86_400 }] });
    expect((await admitOn(replicas[0]!, "leased", p)).ok).toBe(true);
    const before = (await storedCounters("leased")).revision;
    for (let i = 0; i < 200; i++) expect((await admitOn(replicas[0]!, "leased", p)).ok).toBe(true);
    // The first lease holds 16 requests, each next one twice as many: 16 + 32 + 64 + 128 > 200.
    expect((await storedCounters("leased")).revision - before).toBeLessThanOrEqual(6);
    await leaseEnds();
    // What the lease left unused went back: the window holds exactly what was admitted.
    expect((await storedCounters("leased")).counters.windows["requests:86400"]!.used).toBe(201);
  });

  it("never admits past a limit across replicas, and what one replica leaves unused goes back to the other", async () => {
    const limit = 1_000;
    const p = policy({ rateLimits: [{ kind: "requests", limit, windowSeconds: 86_400 }] });
    let admitted = 0;
    for (let wave = 0; wave < 15; wave++) {
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => admitOn(replicas[i % 2]!, "shared-leases", p)));
      admitted += outcomes.filter((o) => o.ok).length;
    }
    expect(admitted).toBe(600);
    // Both replicas hold leases now; once they end, what they did not use is counted no more.
    await leaseEnds();
    // Leases given back: the rest of the limit is there for one replica alone, and not one more.
    for (;;) {
      const outcome = await admitOn(replicas[1]!, "shared-leases", p);
      if (!outcome.ok) break;
      admitted++;
    }
    expect(admitted).toBe(limit);
    await leaseEnds();
    expect((await storedCounters("shared-leases")).counters.windows["requests:86400"]!.used).toBe(limit);
  });

  it("settles a request admitted from a lease to its real usage", async () => {
    const p = policy({ rateLimits: [{ kind: "tokens", limit: 10_000_000, windowSeconds: 86_400 }], budget: { amountUsd: 1_000, period: "day" } });
    const outcomes = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(await replicas[0]!.admit("leased-tokens", { policy: p, id: `lt${i}`, tokens: 1_000, costUsd: 0.01, holdMs: 60_000 }));
    }
    expect(outcomes.filter((o) => reservationOf(o).leaseId !== undefined).length).toBeGreaterThan(40);
    // Most used less than they reserved, two used more.
    await Promise.all(outcomes.map((o, i) => replicas[0]!.settle("leased-tokens", reservationOf(o), i < 2 ? { tokens: 1_500, costUsd: 0.02 } : { tokens: 7, costUsd: 0.001 })));
    await leaseEnds();
    const { counters } = await storedCounters("leased-tokens");
    expect(counters.windows["tokens:86400"]!.used).toBe(2 * 1_500 + 48 * 7);
    expect(counters.spend!.usd).toBeCloseTo(2 * 0.02 + 48 * 0.001, 9);
  });

  it("gives the requests the server failed before any output back, from a lease as from the shared counters", async () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 10_000, windowSeconds: 86_400 }] });
    const outcomes = [];
    for (let i = 0; i < 30; i++) outcomes.push(await admitOn(replicas[0]!, "unserved", p));
    expect(outcomes.filter((o) => reservationOf(o).leaseId !== undefined).length).toBeGreaterThan(20);
    // Ten were served; twenty failed (no worker) before any output.
    await Promise.all(outcomes.map((o, i) => replicas[0]!.settle("unserved", reservationOf(o), { tokens: 0, costUsd: 0, unserved: i >= 10 })));
    await leaseEnds();
    expect((await storedCounters("unserved")).counters.windows["requests:86400"]!.used).toBe(10);
  });

  it("ends a lease when the key's policy changes: the new limits decide at once", async () => {
    const generous = policy({ rateLimits: [{ kind: "requests", limit: 1_000_000, windowSeconds: 86_400 }] });
    for (let i = 0; i < 5; i++) expect((await admitOn(replicas[0]!, "changed", generous)).ok).toBe(true);
    const strict = policy({ rateLimits: [{ kind: "requests", limit: 6, windowSeconds: 86_400 }] });
    expect(replicas[0]!.admitFromLease("changed", { policy: strict, id: "x", tokens: 0, costUsd: 0, holdMs: 60_000 })).toBeNull();
    // The rest of the old lease went back: 5 used, so exactly one more fits under the new limit.
    expect((await admitOn(replicas[0]!, "changed", strict)).ok).toBe(true);
    expect((await admitOn(replicas[0]!, "changed", strict)).ok).toBe(false);
  });
});
