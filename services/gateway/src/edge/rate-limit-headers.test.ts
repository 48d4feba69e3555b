import { expect, it } from "vitest";
import { rateLimitHeaders, resetDuration } from "./rate-limit-headers.js";

it("writes reset times as OpenAI does", () => {
  expect(resetDuration(250.2)).toBe("251ms");
  expect(resetDuration(1_000)).toBe("1s");
  expect(resetDuration(59_001)).toBe("1m0s");
  expect(resetDuration(360_000)).toBe("6m0s");
  expect(resetDuration(86_400_000)).toBe("24h0m0s");
});

it("speaks for each kind by its window with the least room left", () => {
  const headers = rateLimitHeaders([
    { kind: "requests", limit: 60, remaining: 59, resetMs: 30_000 },
    { kind: "requests", limit: 1_000, remaining: 3, resetMs: 3_600_000 },
    { kind: "tokens", limit: 40_000, remaining: 39_000, resetMs: 30_000 },
  ]);
  expect(Object.fromEntries(headers)).toEqual({
    "x-ratelimit-limit-requests": "1000",
    "x-ratelimit-remaining-requests": "3",
    "x-ratelimit-reset-requests": "1h0m0s",
    "x-ratelimit-limit-tokens": "40000",
    "x-ratelimit-remaining-tokens": "39000",
    "x-ratelimit-reset-tokens": "30s",
  });
  expect(rateLimitHeaders([])).toEqual([]);
});
