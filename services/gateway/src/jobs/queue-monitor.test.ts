import type { JetStreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { QueueMonitor } from "./queue-monitor.js";

const names = natsNames("qm");
const MODEL = "m";
const logger = createLogger({ service: "test", level: "silent" });

/**
 * An INFER stream no worker takes from, where `publishDuring` jobs are stored while the first
 * reading asks for the consumers' counts: the window a burst of requests can fall into.
 */
function streamWithBurst(waiting: number, publishDuring: number, everyReading = false) {
  let lastSeq = waiting;
  let burst = publishDuring;
  const pending = () => lastSeq; // nothing delivered: every stored job waits
  const jsm = {
    streams: {
      info: async () => ({ state: { last_seq: lastSeq } }),
      getMessage: async () => ({ time: new Date(Date.now() - 1_000) }),
    },
    consumers: {
      info: async (_stream: string, consumer: string) => {
        if (!consumer.endsWith("normal")) return { num_pending: 0, delivered: { stream_seq: 0 } };
        lastSeq += burst;
        if (!everyReading) burst = 0;
        return { num_pending: pending(), delivered: { stream_seq: 0 } };
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, lastSeq: () => lastSeq };
}

function monitor(jsm: JetStreamManager) {
  return new QueueMonitor({ jsm, names, models: () => [MODEL], pollMs: 60_000, logger });
}

describe("QueueMonitor", () => {
  it("counts once a job of its own stored while the counts were being read", async () => {
    const stream = streamWithBurst(2, 3);
    const queues = monitor(stream.jsm);
    const reading = queues.refresh();
    // The gateway's own three jobs, stored at the sequences the burst took.
    for (const seq of [3, 4, 5]) queues.noteQueued(MODEL, "normal", seq);
    await reading;
    expect(queues.get(MODEL)?.waiting).toEqual({ high: 0, normal: 5, low: 0 });
    expect(queues.ahead(MODEL, "normal")).toBe(5);
    expect(queues.ahead(MODEL, "high")).toBe(0);
  });

  it("while jobs keep arriving, keeps a reading that may count too many, never too few", async () => {
    const stream = streamWithBurst(2, 1, true);
    const queues = monitor(stream.jsm);
    const reading = queues.refresh();
    queues.noteQueued(MODEL, "normal", 3);
    await reading;
    queues.noteQueued(MODEL, "normal", 5);
    // Three tries, each storing one more job. The last counts 5 waiting; of the gateway's own
    // jobs, the one stored during the first try is among them, the one stored during the last
    // may be or not, so it is counted again: one too many, for one reading.
    expect(queues.get(MODEL)?.waiting.normal).toBe(5);
    expect(queues.ahead(MODEL, "normal")).toBe(6);
    expect(stream.lastSeq()).toBe(5);
  });

  it("adds its own jobs stored after the reading, and takes out those a worker took since", async () => {
    const stream = streamWithBurst(2, 0);
    const queues = monitor(stream.jsm);
    await queues.refresh();
    queues.noteQueued(MODEL, "normal", 3);
    queues.noteQueued(MODEL, "low", 4);
    expect(queues.ahead(MODEL, "normal")).toBe(3);
    expect(queues.ahead(MODEL, "low")).toBe(4);
    queues.noteQueued(MODEL, "normal", 2);
    await new Promise((r) => setTimeout(r, 2));
    queues.noteLeft(MODEL, 2);
    expect(queues.ahead(MODEL, "normal")).toBe(2);
  });
});
