import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { natsNames, unrestrictedKeyPolicy } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { ensureEdgeBuckets } from "../nats/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { readCounters } from "./counter-entry.js";
import { LimitKeeper } from "./limit-keeper.js";

/*
 * A counter write stored whose answer is lost (its node lost between storing and answering, a
 * timeout) refuses the admissions it carried as 503s. Once the entry shows the write was stored,
 * what those admissions took is given back, and the settlements it carried are not applied again:
 * the key's limit stays exact.
 */

const logger = createLogger({ service: "test", level: "silent" });

let nats: TestNats;
let nc: NatsConnection;
let limits: KV;

beforeAll(async () => {
  nats = await useTestNats("doubt");
  nc = await connect({ servers: nats.url });
  ({ limits } = await ensureEdgeBuckets(nc, natsNames(nats.namespace)));
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** The bucket, whose next `lose` counter writes are stored but answered with an error. */
function losingAnswers(kv: KV) {
  const state = { lose: 0 };
  const js = (kv as unknown as { js: JetStreamClient }).js;
  const losing = new Proxy(js, {
    get(target, prop, receiver) {
      if (prop !== "publish") return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<JetStreamClient["publish"]>) => {
        const ack = await target.publish(...args);
        if (state.lose === 0) return ack;
        state.lose--;
        throw new JetStreamApiError({ code: 500, err_code: 10_999, description: "the answer was lost" });
      };
    },
  });
  const bucket = new Proxy(kv, { get: (target, prop, receiver) => (prop === "js" ? losing : (Reflect.get(target, prop, receiver) as unknown)) });
  return { bucket, state };
}

const admitted = (o: { ok: boolean } | Error) => !(o instanceof Error) && o.ok;

describe("a limit-counter write whose answer was lost", () => {
  it("gives back what its refused admission took once the entry shows it was stored: the key still gets its limit", async () => {
    const { bucket, state } = losingAnswers(limits);
    const keeper = new LimitKeeper({ limits: bucket, logger, retryMs: 10 });
    const policy = unrestrictedKeyPolicy("k", { rateLimits: [{ kind: "requests", limit: 3, windowSeconds: 86_400 }] });
    const admit = (i: number) => keeper.admit("lost-admit", { policy, id: `r${i}`, tokens: 0, costUsd: 0, holdMs: 60_000 }).catch((err: Error) => err);

    state.lose = 1;
    const first = await admit(0);
    expect(first).toBeInstanceOf(Error);
    expect((first as Error).name).toBe("LimitsUnavailableError");
    const outcomes = [];
    for (let i = 1; i <= 5; i++) outcomes.push(await admit(i));
    expect(outcomes.map(admitted)).toEqual([true, true, true, false, false]);
    keeper.stop();
  });

  it("does not apply a settlement it carried a second time", async () => {
    const { bucket, state } = losingAnswers(limits);
    const keeper = new LimitKeeper({ limits: bucket, logger, retryMs: 10 });
    const policy = unrestrictedKeyPolicy("k", { rateLimits: [{ kind: "tokens", limit: 1_000, windowSeconds: 86_400 }] });
    const outcome = await keeper.admit("lost-settle", { policy, id: "s1", tokens: 300, costUsd: 0, holdMs: 60_000 });
    if (!outcome.ok || !outcome.reservation) throw new Error("not admitted");

    state.lose = 1;
    // Retried in the background until the entry says whether the lost write was stored: it was.
    await keeper.settle("lost-settle", outcome.reservation, { tokens: 100, costUsd: 0 });
    const { counters } = await readCounters(limits, "lost-settle", logger);
    expect(Object.values(counters.windows).map((w) => w.used)).toEqual([100]);
    keeper.stop();
  });
});
