import { describe, expect, it } from "vitest";
import { unrestrictedKeyPolicy, type KeyPolicy } from "../contracts/index.js";
import { emptyCounters } from "./key-counters.js";
import { admit, applyBatch, settle, type AdmitRequest, type CounterOp, type Reservation } from "./limit-counters.js";
import { budgetPeriod, windowStart } from "./limit-periods.js";

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => unrestrictedKeyPolicy("k1", over);

const T0 = Date.UTC(2025, 2, 12, 10, 30, 15, 250); // a Wednesday, 10:30:15.250 UTC
let seq = 0;
const request = (p: KeyPolicy, tokens = 0, costUsd = 0): AdmitRequest => ({ policy: p, id: `r${seq++}`, tokens, costUsd, holdMs: 60_000 });

describe("windows and periods", () => {
  it("aligns fixed windows to the epoch", () => {
    expect(windowStart(T0, 60)).toBe(Date.UTC(2025, 2, 12, 10, 30));
    expect(windowStart(T0, 3600)).toBe(Date.UTC(2025, 2, 12, 10));
    expect(windowStart(T0, 86_400)).toBe(Date.UTC(2025, 2, 12));
  });

  it("cuts budget periods on UTC calendar boundaries", () => {
    expect(budgetPeriod(T0, "hour")).toEqual({ start: Date.UTC(2025, 2, 12, 10), end: Date.UTC(2025, 2, 12, 11) });
    expect(budgetPeriod(T0, "day")).toEqual({ start: Date.UTC(2025, 2, 12), end: Date.UTC(2025, 2, 13) });
    expect(budgetPeriod(T0, "week")).toEqual({ start: Date.UTC(2025, 2, 10), end: Date.UTC(2025, 2, 17) });
    expect(budgetPeriod(Date.UTC(2025, 2, 16, 23), "week").start).toBe(Date.UTC(2025, 2, 10)); // Sunday is still that week
    expect(budgetPeriod(T0, "month")).toEqual({ start: Date.UTC(2025, 2, 1), end: Date.UTC(2025, 3, 1) });
    expect(budgetPeriod(Date.UTC(2025, 11, 31), "month").end).toBe(Date.UTC(2026, 0, 1));
    expect(budgetPeriod(T0, "total")).toEqual({ start: 0, end: Number.POSITIVE_INFINITY });
  });
});

describe("admission", () => {
  it("admits exactly the request limit in a window, then refuses until the window ends", () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 3, windowSeconds: 60 }] });
    let state = emptyCounters();
    for (let i = 0; i < 3; i++) {
      const r = admit(state, request(p), T0);
      expect(r.outcome.ok).toBe(true);
      state = r.counters;
    }
    const refused = admit(state, request(p), T0);
    expect(refused.outcome).toEqual({ ok: false, refusal: { kind: "requests", limit: 3, windowSeconds: 60, retryAfterSeconds: 45, requested: 1 } });
    // The next minute starts from zero.
    expect(admit(state, request(p), Date.UTC(2025, 2, 12, 10, 31)).outcome.ok).toBe(true);
  });

  it("checks every window: a day limit refuses when the minute has room", () => {
    const p = policy({
      rateLimits: [
        { kind: "requests", limit: 10, windowSeconds: 60 },
        { kind: "requests", limit: 2, windowSeconds: 86_400 },
      ],
    });
    let state = emptyCounters();
    state = admit(state, request(p), T0).counters;
    state = admit(state, request(p), T0 + 60_000).counters;
    const r = admit(state, request(p), T0 + 120_000);
    expect(r.outcome.ok).toBe(false);
    if (!r.outcome.ok) expect(r.outcome.refusal).toMatchObject({ kind: "requests", windowSeconds: 86_400 });
  });

  it("counts a request once in a window that two limits name, and the stricter one holds", () => {
    const p = policy({
      rateLimits: [
        { kind: "requests", limit: 10, windowSeconds: 60 },
        { kind: "requests", limit: 3, windowSeconds: 60 },
      ],
    });
    let state = emptyCounters();
    for (let i = 0; i < 3; i++) {
      const r = admit(state, request(p), T0);
      expect(r.outcome.ok).toBe(true);
      state = r.counters;
    }
    expect(state.windows["requests:60"]!.used).toBe(3);
    expect(admit(state, request(p), T0).outcome).toMatchObject({ ok: false, refusal: { limit: 3, windowSeconds: 60 } });
  });

  it("reserves tokens, and a settlement replaces the reservation by the real usage", () => {
    const p = policy({ rateLimits: [{ kind: "tokens", limit: 100, windowSeconds: 60 }] });
    const first = admit(emptyCounters(), request(p, 60), T0);
    expect(first.outcome.ok).toBe(true);
    expect(admit(first.counters, request(p, 60), T0).outcome).toMatchObject({ ok: false, refusal: { kind: "tokens", retryAfterSeconds: 45 } });
    const reservation = (first.outcome as { reservation: Reservation }).reservation;
    const settled = settle(first.counters, reservation, { tokens: 20, costUsd: 0 }, T0 + 1000);
    expect(settled.windows["tokens:60"]!.used).toBe(20);
    expect(admit(settled, request(p, 60), T0 + 1000).outcome.ok).toBe(true);
  });

  it("does not correct a window that rolled over since the reservation", () => {
    const p = policy({ rateLimits: [{ kind: "tokens", limit: 100, windowSeconds: 60 }] });
    const first = admit(emptyCounters(), request(p, 60), T0);
    const reservation = (first.outcome as { reservation: Reservation }).reservation;
    const next = admit(first.counters, request(p, 30), T0 + 60_000).counters;
    const settled = settle(next, reservation, { tokens: 5, costUsd: 0 }, T0 + 60_000);
    expect(settled.windows["tokens:60"]!.used).toBe(30);
  });

  it("holds concurrency until settled; a hold lapses when nobody settles it", () => {
    const p = policy({ maxConcurrent: 1 });
    const first = admit(emptyCounters(), request(p), T0);
    const refused = admit(first.counters, request(p), T0);
    expect(refused.outcome).toEqual({ ok: false, refusal: { kind: "concurrency", limit: 1, retryAfterSeconds: 1 } });
    const reservation = (first.outcome as { reservation: Reservation }).reservation;
    expect(admit(settle(first.counters, reservation, { tokens: 0, costUsd: 0 }, T0), request(p), T0).outcome.ok).toBe(true);
    expect(admit(first.counters, request(p), T0 + 60_001).outcome.ok).toBe(true);
  });

  it("reserves the budget, refuses what would overspend it, and starts over next period", () => {
    const p = policy({ budget: { amountUsd: 1, period: "day" } });
    const first = admit(emptyCounters(), request(p, 0, 0.6), T0);
    expect(first.outcome.ok).toBe(true);
    const over = admit(first.counters, request(p, 0, 0.6), T0);
    expect(over.outcome).toEqual({ ok: false, refusal: { kind: "budget", amountUsd: 1, retryAfterSeconds: 48_585, spentUsd: 0.6, requestUsd: 0.6 } }); // to midnight UTC, rounded up
    const reservation = (first.outcome as { reservation: Reservation }).reservation;
    const settled = settle(first.counters, reservation, { tokens: 0, costUsd: 0.1 }, T0);
    expect(settled.spend!.usd).toBeCloseTo(0.1);
    expect(admit(settled, request(p, 0, 0.6), T0).outcome.ok).toBe(true);
    expect(admit(first.counters, request(p, 0, 0.6), Date.UTC(2025, 2, 13, 0, 0, 1)).outcome.ok).toBe(true);
  });

  it("refuses even free requests once the budget is spent", () => {
    const p = policy({ budget: { amountUsd: 1, period: "total" } });
    const spent = { ...emptyCounters(), spend: { start: 0, usd: 1 } };
    expect(admit(spent, request(p, 0, 0), T0).outcome).toEqual({ ok: false, refusal: { kind: "budget", amountUsd: 1, retryAfterSeconds: null, spentUsd: 1, requestUsd: 0 } });
  });
});

describe("queued work", () => {
  const p = policy({
    rateLimits: [
      { kind: "requests", limit: 2, windowSeconds: 60 },
      { kind: "tokens", limit: 100, windowSeconds: 60 },
    ],
    maxConcurrent: 1,
  });

  it("counts a submission as a request that holds no concurrency slot", () => {
    let state = admit(emptyCounters(), request(p, 10), T0).counters; // an HTTP request, still running
    const submitted = admit(state, { ...request(p), kind: "submission" }, T0);
    expect(submitted.outcome.ok).toBe(true);
    state = submitted.counters;
    expect(Object.keys(state.held)).toHaveLength(1);
    expect(state.windows["requests:60"]!.used).toBe(2);
    const third = admit(state, { ...request(p), kind: "submission" }, T0);
    expect(third.outcome.ok).toBe(false);
    if (!third.outcome.ok) expect(third.outcome.refusal.kind).toBe("requests");
  });

  it("counts a model call's tokens and slot but no request, even with the request window full", () => {
    let state = emptyCounters();
    for (let i = 0; i < 2; i++) state = admit(state, { ...request(p), kind: "submission" }, T0).counters;
    const call = admit(state, { ...request(p, 60), kind: "call" }, T0);
    expect(call.outcome.ok).toBe(true);
    state = call.counters;
    expect(state.windows["requests:60"]!.used).toBe(2);
    expect(state.windows["tokens:60"]!.used).toBe(60);
    // One slot, taken: the next call waits for it, and then for the tokens.
    const busy = admit(state, { ...request(p, 30), kind: "call" }, T0);
    expect(!busy.outcome.ok && busy.outcome.refusal.kind).toBe("concurrency");
    if (!call.outcome.ok) throw new Error("unreachable");
    state = settle(state, call.outcome.reservation!, { tokens: 60, costUsd: 0 }, T0);
    const tooMany = admit(state, { ...request(p, 50), kind: "call" }, T0);
    expect(!tooMany.outcome.ok && tooMany.outcome.refusal.kind).toBe("tokens");
    expect(admit(state, { ...request(p, 40), kind: "call" }, T0).outcome.ok).toBe(true);
  });

  it("refuses a submission once the budget is spent, but not for a full token window", () => {
    const budgeted = policy({ rateLimits: [{ kind: "tokens", limit: 10, windowSeconds: 60 }], budget: { amountUsd: 1, period: "day" } });
    let state = admit(emptyCounters(), request(budgeted, 10, 0.5), T0).counters;
    expect(admit(state, { ...request(budgeted), kind: "submission" }, T0).outcome.ok).toBe(true);
    state = admit(state, { ...request(budgeted, 0, 0.5), kind: "call" }, T0).counters;
    const refused = admit(state, { ...request(budgeted), kind: "submission" }, T0);
    expect(!refused.outcome.ok && refused.outcome.refusal.kind).toBe("budget");
  });
});

describe("group commit", () => {
  it("decides queued operations in order: a settlement frees room for the admissions after it", () => {
    const p = policy({ maxConcurrent: 2, rateLimits: [{ kind: "requests", limit: 5, windowSeconds: 60 }] });
    const a = admit(emptyCounters(), request(p), T0);
    const b = admit(a.counters, request(p), T0);
    const held = b.counters;
    const reservationA = (a.outcome as { reservation: Reservation }).reservation;
    const ops: CounterOp[] = [
      { kind: "admit", request: request(p) }, // both slots held: refused
      { kind: "settle", reservation: reservationA, actual: { tokens: 0, costUsd: 0 } },
      { kind: "admit", request: request(p) }, // the freed slot
      { kind: "admit", request: request(p) }, // full again
    ];
    const { counters, outcomes } = applyBatch(held, ops, T0);
    expect(outcomes.map((o) => o.ok)).toEqual([false, true, true, false]);
    expect(Object.keys(counters.held)).toHaveLength(2);
    expect(counters.windows["requests:60"]!.used).toBe(3);
  });

  it("admits exactly the limit from one batch, refusing the rest", () => {
    const p = policy({ rateLimits: [{ kind: "requests", limit: 4, windowSeconds: 60 }] });
    const ops: CounterOp[] = Array.from({ length: 10 }, () => ({ kind: "admit", request: request(p) }));
    const { outcomes } = applyBatch(emptyCounters(), ops, T0);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(4);
    expect(outcomes.slice(4).every((o) => !o.ok)).toBe(true);
  });
});
