import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { AdminConfig } from "../services/admin/src/config.js";
import { GatewayConfig } from "../services/gateway/src/config.js";
import { InferenceConfig } from "../services/inference/src/config.js";
import { FetcherConfig } from "../services/model-fetcher/src/config.js";
import { OrchestratorConfig } from "../services/orchestrator/src/config.js";

// docs/configuration.md names every variable the services' zod schemas read, and no other:
// a variable added, renamed or dropped in code without the page fails here.
const page = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");

function keysOf(schema: z.ZodType): string[] {
  const def = schema as unknown as { shape?: Record<string, unknown>; in?: { shape?: Record<string, unknown> } };
  return Object.keys(def.shape ?? def.in?.shape ?? {});
}

describe("docs/configuration.md", () => {
  it("documents exactly the variables the services read", () => {
    const inCode = new Set([AdminConfig, GatewayConfig, InferenceConfig, FetcherConfig, OrchestratorConfig].flatMap(keysOf));
    expect(inCode.size).toBeGreaterThan(50);
    const rows = [...page.matchAll(/^\| ((?:`[A-Z0-9_]+`(?: \/ )?)+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((n) => n[1]!));
    const documented = new Set(rows);
    expect([...inCode].filter((name) => !documented.has(name)), "read by a service but not documented").toEqual([]);
    // Read by `npm start` (scripts/start.mjs) rather than by a service.
    const startOnly = new Set(["LANTERN_DATA_DIR"]);
    expect([...documented].filter((name) => !inCode.has(name) && !startOnly.has(name)), "documented but read by no service").toEqual([]);
  });
});
