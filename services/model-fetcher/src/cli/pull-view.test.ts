import { describe, expect, it } from "vitest";
import type { ModelPullEvent } from "@lantern/shared/contracts";
import { progressBar } from "./progress-line.js";
import { humanPullView } from "./pull-view.js";

const base = { v: 1 as const, at: 0, pullId: "p1", fetcherId: "f" };
const progress = (receivedBytes: number): ModelPullEvent => ({
  ...base,
  id: `e${receivedBytes}`,
  type: "model.pull.progress",
  receivedBytes,
  totalBytes: 4 * 1024 ** 3,
  bytesPerSecond: 50 * 1024 ** 2,
  etaMs: 65_000,
});

describe("pull progress on a terminal", () => {
  it("draws a bar with bytes, percent, rate and time left", () => {
    const line = progressBar({ receivedBytes: 1024 ** 3, totalBytes: 4 * 1024 ** 3, bytesPerSecond: 50 * 1024 ** 2, etaMs: 65_000 }, 100);
    expect(line).toBe(`[##########..............................]   25.0%  1.0 GiB / 4.0 GiB  50.0 MiB/s  ETA 1m05s`);
    expect(progressBar({ receivedBytes: 2048, totalBytes: null, bytesPerSecond: 1024, etaMs: null }, 100)).toBe("2.0 KiB  1.0 KiB/s");
  });

  it("redraws one line in place, and leaves it for the summary", () => {
    let written = "";
    const tty = { isTTY: true, columns: 100, write: (t: string) => (written += t) };
    const view = humanPullView(tty, tty, "/models");
    view.event(progress(1024 ** 3));
    view.event(progress(2 * 1024 ** 3));
    expect(written.split("\r\x1b[2K").filter(Boolean)).toEqual([expect.stringContaining("25.0%"), expect.stringContaining("50.0%")]);
    expect(written).not.toContain("\n");
    view.note("stopped");
    expect(written.endsWith("\r\x1b[2Kstopped\n")).toBe(true);
  });

  it("prints a plain line every few seconds without a terminal", () => {
    let written = "";
    let now = 0;
    const pipe = { write: (t: string) => (written += t) };
    const view = humanPullView(pipe, pipe, "/models", () => now);
    view.event(progress(1024 ** 3));
    now = 1_000;
    view.event(progress(2 * 1024 ** 3));
    now = 4_000;
    view.event(progress(3 * 1024 ** 3));
    expect(written.trim().split("\n")).toEqual([
      "p1: 25.0% (1.0 GiB of 4.0 GiB) at 50.0 MiB/s, about 1m05s left",
      "p1: 75.0% (3.0 GiB of 4.0 GiB) at 50.0 MiB/s, about 1m05s left",
    ]);
  });
});
