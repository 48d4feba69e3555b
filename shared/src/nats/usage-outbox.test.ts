import type { JetStreamClient } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { decodeMessage, UsageMessage, usageEventsOf, type UsageEvent } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { waitFor } from "../testing/wait-for.js";
import { UsageOutbox } from "./usage-outbox.js";

const logger = createLogger({ service: "test", level: "silent" });

function usage(id: string): UsageEvent {
  return {
    v: 1, type: "usage", id, at: 0, requestId: id, gatewayId: "gw", keyId: null, method: "POST", path: "/v1/chat/completions",
    model: "m", servedModel: null, provider: "local", workerIds: [], status: 200, errorType: null, stream: true,
    promptTokens: 1, cachedTokens: 0, completionTokens: 1, costUsd: 0, ttftMs: 1, latencyMs: 1, cacheHit: false,
  };
}

/** A JetStream client whose publishes are stored at once; `afterAck` runs once an ack is given. */
function storingClient(afterAck: () => void = () => {}) {
  const stored: UsageEvent[] = [];
  const js = {
    publish: async (_subject: string, data: Uint8Array) => {
      stored.push(...usageEventsOf(decodeMessage(UsageMessage, data)));
      const ack = { stream: "EVENTS", seq: stored.length, duplicate: false };
      void Promise.resolve().then(afterAck);
      return ack;
    },
  } as unknown as JetStreamClient;
  return { js, stored };
}

describe("UsageOutbox", () => {
  it("sends events that come one after another in shared messages, each stored", async () => {
    const { js, stored } = storingClient();
    const outbox = new UsageOutbox({ js, subject: "events.usage", limit: 100, logger });
    for (let i = 0; i < 10; i++) outbox.add(usage(`e${i}`));
    await outbox.close(1_000);
    expect(stored.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
  });

  // The last event of a burst may be added in the same read as the ack of the message before it,
  // while the loop that sent that message is ending: it must not wait for an event that never comes.
  it("publishes an event added while the loop that sent the previous one ends", async () => {
    for (let hops = 0; hops < 12; hops++) {
      let outbox: UsageOutbox | undefined;
      let added = false;
      const { js, stored } = storingClient(() => {
        if (added) return;
        added = true;
        let chain = Promise.resolve();
        for (let i = 0; i < hops; i++) chain = chain.then(() => {});
        void chain.then(() => outbox!.add(usage("last")));
      });
      outbox = new UsageOutbox({ js, subject: "events.usage", limit: 100, logger, lingerMs: 1 });
      outbox.add(usage("first"));
      await waitFor(() => stored.some((e) => e.id === "last"), 1_000, `the event added ${hops} microtasks after the ack`);
      expect(outbox.pending).toBe(0);
    }
  });
});
