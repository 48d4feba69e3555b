import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import { afterEach, expect, it, vi } from "vitest";
import { createLogger } from "@lantern/shared/logging";
import { collectWhenRequestsStop } from "./idle-collection.js";

const globals = globalThis as { gc?: () => void };
const original = globals.gc;

afterEach(() => {
  globals.gc = original;
  vi.useRealTimers();
});

// When and how often it collects is collectWhenIdle's (shared/src/lifecycle): here, that the server's requests are the work.
it("collects after a burst of the server's requests, and stops listening to the server when stopped", () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
  let collections = 0;
  globals.gc = () => void collections++;
  const server = new EventEmitter();
  const stop = collectWhenRequestsStop(server as unknown as Server, createLogger({ service: "test", level: "silent" }));
  vi.advanceTimersByTime(10_000);
  collections = 0;
  for (let i = 0; i < 999; i++) server.emit("request");
  vi.advanceTimersByTime(30_000);
  expect(collections).toBe(0);
  server.emit("request");
  vi.advanceTimersByTime(4_000);
  expect(collections).toBe(1);
  stop();
  expect(server.listenerCount("request")).toBe(0);
});
