import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "@lantern/shared/logging";
import { collectWhenRequestsStop } from "./idle-collection.js";

describe("collectWhenRequestsStop", () => {
  const globals = globalThis as { gc?: () => void };
  const original = globals.gc;
  let collections: number;
  let server: EventEmitter;
  let stop: () => void;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance"] });
    collections = 0;
    globals.gc = () => void collections++;
    server = new EventEmitter();
    stop = collectWhenRequestsStop(server as unknown as Server, createLogger({ service: "test", level: "silent" }));
  });

  /** Past the collections of what starting left. */
  const started = () => {
    vi.advanceTimersByTime(10_000);
    collections = 0;
  };

  afterEach(() => {
    stop();
    globals.gc = original;
    vi.useRealTimers();
  });

  const burst = (requests: number) => {
    for (let i = 0; i < requests; i++) server.emit("request");
  };
  /** Ten requests a second for ten seconds. */
  const trickle = () => {
    for (let s = 0; s < 10; s++) {
      vi.advanceTimersByTime(1_000);
      burst(10);
    }
  };

  it("collects what starting left once the process is quiet, then only after bursts", () => {
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(0);
    vi.advanceTimersByTime(2_000);
    expect(collections).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(collections).toBe(2);
  });

  it("collects once when a burst ends and once more a few seconds later, to shrink the young generation", () => {
    started();
    burst(1_000);
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(0);
    vi.advanceTimersByTime(3_000);
    expect(collections).toBe(1);
    vi.advanceTimersByTime(6_000);
    expect(collections).toBe(2);
    vi.advanceTimersByTime(60_000);
    expect(collections).toBe(2);
  });

  it("never collects while requests arrive, and puts the second collection off while they do", () => {
    started();
    burst(1_000);
    trickle();
    expect(collections).toBe(0);
    vi.advanceTimersByTime(4_000);
    expect(collections).toBe(1);
    trickle();
    expect(collections).toBe(1);
    vi.advanceTimersByTime(7_000);
    expect(collections).toBe(2);
    // A hundred requests since are no burst: nothing more to collect.
    vi.advanceTimersByTime(60_000);
    expect(collections).toBe(2);
  });

  it("leaves a trickle of requests alone", () => {
    started();
    burst(999);
    vi.advanceTimersByTime(30_000);
    expect(collections).toBe(0);
  });
});
