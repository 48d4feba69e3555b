import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOrchestratorDatabase, type OpenOrchestratorDatabase } from "../db/database.js";
import type { ResolvedPipeline } from "../definitions/resolved-pipeline.js";
import { RunStore } from "./run-store.js";

const definition: ResolvedPipeline = {
  name: "two",
  description: null,
  stages: ["first", "second"].map((name, index) => ({
    index,
    name,
    kind: "single" as const,
    models: ["m"],
    aggregation: null,
    inputFrom: [index === 0 ? "input" : "first"],
    outputMode: "answer_only" as const,
    prompt: "{input}",
    system: null,
    params: { max_tokens: 4 },
    modelOverrides: { m: {} },
  })),
  order: [0, 1],
  defaults: {},
  models: { m: { file: "m.gguf" } },
  modelsDirectory: "/models",
};

const answer = (text: string) => ({ model: "m", role: "candidate" as const, text, promptTokens: 3, completionTokens: 2, ms: 5, workerId: "w", finishReason: "stop" });

let dir: string;
let database: OpenOrchestratorDatabase;
let store: RunStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lantern-orchestrator-db-"));
  database = await openOrchestratorDatabase({ pgliteDir: dir });
  store = new RunStore(database.db);
});
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("runs in the embedded database", () => {
  it("keeps each stage's checkpoint and copies the shared ones into a rerun", async () => {
    await store.create({ id: "run_a", input: "hi", definition, owner: "key_a" });
    expect(await store.runStarted("run_a")).toBe(1);
    expect(await store.stageStarted("run_a", 0, "hi", { max_tokens: 4 })).toBe(1);
    await store.stageSucceeded("run_a", 0, { answers: [answer("one")], output: "one", votes: null });
    await store.stageStarted("run_a", 1, "one", { max_tokens: 4 });
    await store.stageFailed("run_a", 1, "no slot");
    await store.runFailed("run_a", "stage 'second' failed: no slot");

    const failed = (await store.view("run_a"))!;
    expect(failed.status).toBe("failed");
    expect(failed.stages.map((s) => [s.status, s.attempts, s.output])).toEqual([
      ["succeeded", 1, "one"],
      ["failed", 1, null],
    ]);
    expect(failed.usage).toEqual({ promptTokens: 3, completionTokens: 2 });

    expect(await store.requeue("run_a")).toBe(true);
    expect(await store.requeue("run_a")).toBe(false);
    expect((await store.view("run_a"))!.status).toBe("queued");
    // A key sees its own runs only; without keys (null) every run is seen.
    expect((await store.get("run_a", "key_a"))!.run.owner).toBe("key_a");
    expect(await store.get("run_a", "key_b")).toBeUndefined();
    expect(await store.get("run_a", null)).toBeDefined();

    const parent = (await store.get("run_a"))!;
    await store.create({ id: "run_b", input: "hi", definition, parentRunId: "run_a", rerunFromStage: "second", reused: new Map([[0, parent.stages[0]!]]), owner: null });
    const child = (await store.view("run_b"))!;
    expect(child.parentRunId).toBe("run_a");
    expect(child.stages[0]).toMatchObject({ status: "succeeded", output: "one", attempts: 0, reusedFromRunId: "run_a" });
    expect(child.stages[1]).toMatchObject({ status: "pending", reusedFromRunId: null });
    // The child spent nothing on the stage it took over.
    expect(child.usage).toEqual({ promptTokens: 0, completionTokens: 0 });

    const listed = await store.list({ owner: null, limit: 10 });
    expect(listed.map((r) => r.id).sort()).toEqual(["run_a", "run_b"]);
    expect(listed.find((r) => r.id === "run_a")!.usage.completionTokens).toBe(2);
    expect((await store.list({ owner: "key_a", limit: 10 })).map((r) => r.id)).toEqual(["run_a"]);
    expect(listed.find((r) => r.id === "run_b")!.usage.completionTokens).toBe(0);
  });
});
