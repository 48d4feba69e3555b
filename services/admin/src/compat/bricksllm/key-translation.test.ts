import { describe, expect, it } from "vitest";
import { BricksKey, BricksKeyCreate, BricksKeyUpdate, KeyCreate } from "@lantern/shared/contracts";
import type { KeyRow } from "../../keys/key-store.js";
import { isBricksEventList, isBricksKeyList, isBricksKeyUpdate, isBricksProviderSetting } from "./dispatch.js";
import { goDurationMs } from "./go-duration.js";
import { bricksKeyOf, keyCreateOf, keyUpdateOf } from "./key-translation.js";
import { ProblemError } from "./problem.js";

const NOW = Date.parse("2030-01-01T00:00:00Z");

const row = (over: Partial<KeyRow> = {}): KeyRow => ({
  id: "frontend",
  name: "Frontend Llama Key",
  tags: ["frontend"],
  keyHash: "h",
  keyPrefix: "sk-bric",
  allowedModels: null,
  allowedPaths: ["/chat/completions"],
  rateLimits: [],
  maxConcurrent: null,
  budget: null,
  cache: null,
  expiresAt: null,
  revokedAt: null,
  createdAt: new Date(NOW),
  updatedAt: new Date(NOW),
  ...over,
});

describe("BricksLLM keys onto Lantern's", () => {
  it("maps the document's frontend key and every limit field", () => {
    const bricks = BricksKeyCreate.parse({
      name: "Frontend Llama Key",
      key: "sk-bricksllm-frontend-llama-key-explicit",
      tags: ["frontend"],
      allowedPaths: [{ path: "/chat/completions", method: "POST" }],
      rateLimitOverTime: 60,
      rateLimitUnit: "m",
      costLimitInUsdOverTime: 5,
      costLimitInUsdUnit: "mo",
      ttl: "1h30m",
      allowedModels: ["stories260K"],
    });
    const lantern = KeyCreate.parse(keyCreateOf(bricks, NOW));
    expect(lantern).toMatchObject({
      name: "Frontend Llama Key",
      key: "sk-bricksllm-frontend-llama-key-explicit",
      allowedPaths: ["/chat/completions"],
      allowedModels: ["stories260K"],
      rateLimits: [{ kind: "requests", limit: 60, windowSeconds: 60 }],
      budget: { amountUsd: 5, period: "month" },
      expiresAt: new Date(NOW + 5_400_000).toISOString(),
    });
    expect(keyCreateOf(BricksKeyCreate.parse({ name: "n", key: "k", costLimitInUsd: 2 })).budget).toEqual({ amountUsd: 2, period: "total" });
    expect(keyCreateOf(BricksKeyCreate.parse({ name: "n", key: "k" }))).toMatchObject({ allowedPaths: null, allowedModels: null, rateLimits: [], budget: null, expiresAt: null });
  });

  it("refuses what Lantern cannot keep, and BricksLLM's own unpaired fields", () => {
    const both = BricksKeyCreate.parse({ name: "n", key: "k", costLimitInUsd: 1, costLimitInUsdOverTime: 1, costLimitInUsdUnit: "d" });
    expect(() => keyCreateOf(both)).toThrow(ProblemError);
    const perMinute = BricksKeyCreate.parse({ name: "n", key: "k", costLimitInUsdOverTime: 1, costLimitInUsdUnit: "m" });
    expect(() => keyCreateOf(perMinute)).toThrow(/per hour/);
    expect(BricksKeyCreate.safeParse({ name: "n", key: "k", rateLimitOverTime: 5 }).success).toBe(false);
    expect(BricksKeyCreate.safeParse({ name: "n", key: "k", rateLimitUnit: "h" }).success).toBe(false);
    expect(BricksKeyCreate.safeParse({ name: "n", key: "k", ttl: "tomorrow" }).success).toBe(false);
    expect(BricksKeyCreate.safeParse({ name: "n", key: "k", allowedPaths: [{ path: "/x" }] }).success).toBe(false);
  });

  it("updates only what is given and keeps a key's other windows", () => {
    const current = row({ rateLimits: [{ kind: "tokens", limit: 1000, windowSeconds: 60 }, { kind: "requests", limit: 1, windowSeconds: 1 }] });
    const patch = keyUpdateOf(BricksKeyUpdate.parse({ rateLimitOverTime: 10, rateLimitUnit: "h", costLimitInUsd: 3 }), current);
    expect(patch).toEqual({
      rateLimits: [{ kind: "tokens", limit: 1000, windowSeconds: 60 }, { kind: "requests", limit: 10, windowSeconds: 3600 }],
      budget: { amountUsd: 3, period: "total" },
    });
    expect(keyUpdateOf(BricksKeyUpdate.parse({ allowedPaths: [], name: "x" }), current)).toEqual({ allowedPaths: null, name: "x" });
    expect(() => keyUpdateOf(BricksKeyUpdate.parse({ revoked: false }), row({ revokedAt: new Date(NOW) }))).toThrow(/stays revoked/);
  });

  it("reads a Lantern key back in BricksLLM's shape", () => {
    const key = bricksKeyOf(
      row({
        rateLimits: [{ kind: "requests", limit: 60, windowSeconds: 60 }],
        budget: { amountUsd: 5, period: "day" },
        expiresAt: new Date(NOW + 3_600_000),
      }),
      "sk-secret",
      NOW,
    );
    expect(BricksKey.parse(key)).toMatchObject({
      keyId: "frontend",
      key: "sk-secret",
      createdAt: NOW / 1000,
      rateLimitOverTime: 60,
      rateLimitUnit: "m",
      costLimitInUsdOverTime: 5,
      costLimitInUsdUnit: "d",
      costLimitInUsd: 0,
      ttl: "3600s",
      allowedPaths: [{ path: "/chat/completions", method: "*" }],
      revoked: false,
    });
    expect(goDurationMs(key.ttl)).toBe(3_600_000);
    const expired = bricksKeyOf(row({ expiresAt: new Date(NOW - 1) }), undefined, NOW);
    expect(expired).toMatchObject({ revoked: true, revokedReason: "expired", key: "sk-bric" });
  });
});

describe("which requests are BricksLLM's", () => {
  it("tells the shared paths apart by what only BricksLLM sends", () => {
    expect(isBricksKeyList({ tag: ["a"] })).toBe(true);
    expect(isBricksKeyList({ keyIds: ["a"] })).toBe(true);
    expect(isBricksKeyList({ tag: ["a"], limit: ["5"] })).toBe(false);
    expect(isBricksKeyList({})).toBe(false);
    expect(isBricksKeyUpdate("key_abc", { name: "x" })).toBe(false);
    expect(isBricksKeyUpdate("key_abc", { revoked: true })).toBe(true);
    expect(isBricksKeyUpdate("key_abc", { allowedPaths: [{ path: "/x", method: "POST" }] })).toBe(true);
    expect(isBricksKeyUpdate("frontend", { name: "x" })).toBe(true);
    expect(isBricksProviderSetting({ provider: "openai", setting: {} })).toBe(true);
    expect(isBricksProviderSetting({ name: "up", baseUrl: "http://x" })).toBe(false);
    expect(isBricksEventList({ keyIds: ["a"] })).toBe(true);
    expect(isBricksEventList({ keyId: ["a"] })).toBe(false);
  });
});
