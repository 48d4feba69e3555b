import { describe, expect, it } from "vitest";
import { redactSecrets } from "./sop-fleet-log.js";
import { sopWants } from "./sop-events.js";
import { priorityClass } from "./sop-priority.js";
import { isSopTaskBody } from "./sop-task-shapes.js";

describe("SOP executor translation", () => {
  it("maps numeric priorities onto the three classes", () => {
    expect([0, 0.5, 1, 5, 9.99, 10, 100].map(priorityClass)).toEqual(["low", "low", "normal", "normal", "normal", "high", "high"]);
  });

  it("tells the executor's task body from Lantern's", () => {
    expect(isSopTaskBody({ model: "m", prompt: "p", priority: 10.0 })).toBe(true);
    expect(isSopTaskBody({ model: "m", prompt: "p", max_tokens: 5 })).toBe(true);
    expect(isSopTaskBody({ model: "m", prompt: "p", priority: "high", params: { max_tokens: 5 } })).toBe(false);
    expect(isSopTaskBody({ model: "m", prompt: "p" })).toBe(false);
  });

  it("matches subscription patterns as the executor does", () => {
    const patterns = new Set(["task.*", "gpu_stats"]);
    expect(["task.queued", "task.progress", "gpu_stats", "model.loaded"].map((t) => sopWants(patterns, t))).toEqual([true, true, true, false]);
    expect(sopWants(new Set(["*"]), "model.loaded")).toBe(true);
  });

  it("redacts keys and bearer tokens from log lines", () => {
    const line = redactSecrets("call with lk-abcdefghijklmnopqrstuvwxyz0123456789ABCD and Authorization: Bearer s3cr3t-token");
    expect(line).not.toContain("lk-abcdefgh");
    expect(line).not.toContain("s3cr3t");
  });
});
