import { describe, expect, it } from "vitest";
import { estimateTokens, historyWindow, MESSAGE_OVERHEAD_TOKENS, type WindowMessage } from "./history-window.js";

const msg = (role: WindowMessage["role"], content: string, tokens: number | null = null): WindowMessage => ({ role, content, tokens });

describe("historyWindow", () => {
  it("keeps everything when it fits", () => {
    const history = [msg("user", "hi"), msg("assistant", "hello", 3)];
    expect(historyWindow(history, 1_000)).toEqual({ kept: history, dropped: 0 });
  });

  it("keeps the newest messages that fit and drops the oldest", () => {
    const history = Array.from({ length: 10 }, (_, i) => msg(i % 2 ? "assistant" : "user", `message ${i}`));
    const each = estimateTokens(history[0]!);
    const { kept, dropped } = historyWindow(history, each * 3 + 1);
    expect(kept.map((m) => m.content)).toEqual(["message 7", "message 8", "message 9"]);
    expect(dropped).toBe(7);
  });

  it("always keeps system messages and stops at the first newer message that does not fit", () => {
    const history = [msg("system", "be brief"), msg("user", "x".repeat(10)), msg("user", "y".repeat(500)), msg("assistant", "z")];
    const budget = estimateTokens(history[0]!) + estimateTokens(history[3]!) + estimateTokens(history[1]!);
    const { kept } = historyWindow(history, budget);
    // The 500-byte message does not fit, so the older short one is not sent either: no gaps.
    expect(kept.map((m) => m.content)).toEqual(["be brief", "z"]);
  });

  it("counts measured tokens where a worker gave them", () => {
    expect(estimateTokens(msg("assistant", "a long answer of many bytes", 5))).toBe(5 + MESSAGE_OVERHEAD_TOKENS);
    expect(estimateTokens(msg("user", "héllo"))).toBe(6 + MESSAGE_OVERHEAD_TOKENS);
  });
});
