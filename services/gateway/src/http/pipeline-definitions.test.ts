import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelineEvent, type PipelineCheck, type PipelineModelsReport, type PipelineRunView } from "@lantern/shared/contracts";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "../../../../test/harness/test-orchestrator.js";
import { repoRoot, startTestStack, type TestStack } from "../../../../test/harness/test-stack.js";

/*
 * The studio's calls on a real stack: a definition run inline (kept with its run, so a rerun uses
 * it), saving one into PIPELINES_DIR behind the admin token, and the models check.
 */

const ADMIN_TOKEN = "pipeline-admin-secret";
const SERVED = ["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=1&context=256`).join(",");

let stack: TestStack;
let orchestrator: TestOrchestrator;
let pipelinesDir: string;

beforeAll(async () => {
  pipelinesDir = mkdtempSync(join(tmpdir(), "lantern-studio-"));
  const models = readFileSync(join(repoRoot, "pipelines/models.yaml"), "utf8").replace("models_directory: ../models", `models_directory: ${join(repoRoot, "models")}`);
  writeFileSync(join(pipelinesDir, "models.yaml"), `${models}  latecomer:\n    file: stories260K.gguf\n  nowhere:\n    file: missing.gguf\n`);
  copyFileSync(join(repoRoot, "pipelines/story-council.yaml"), join(pipelinesDir, "story-council.yaml"));
  stack = await startTestStack({ gatewayEnv: { GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN } });
  await stack.startWorker({ INFERENCE_MODELS: SERVED });
  orchestrator = await startTestOrchestrator(stack.nats, { PIPELINES_DIR: pipelinesDir, ORCHESTRATOR_RUN_ATTEMPTS: "1" });
});

afterAll(async () => {
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
  rmSync(pipelinesDir, { recursive: true, force: true });
});

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

type ErrorBody = { error: { message: string; param: string | null; code: string | null } };

const sketch = {
  description: "a story, then a vote on its mood",
  base_pipeline: {
    stages: [
      { name: "opening", type: "single", model: "teller", max_tokens: 12 },
      { name: "verdict", type: "multi", models: ["critic-a", "critic-b"], prompt: "{input}\nHappy or sad?", aggregation: { method: "vote", choices: ["happy", "sad"] }, max_tokens: 8 },
    ],
  },
};
const badVote = { base_pipeline: { stages: [{ name: "v", type: "multi", models: ["critic-a", "critic-b"], aggregation: { method: "vote", choices: ["only"] } }] } };

describe("a definition run inline", () => {
  it("runs without a file, keeps the definition with the run, and a rerun from stage 2 reuses stage 1", async () => {
    const run = await call<PipelineRunView>("POST", "/v1/pipelines/runs", { name: "sketch", definition: sketch, input: "Once upon a time" });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toMatchObject({ pipeline: "sketch", status: "succeeded" });
    expect(run.body.stages.map((s) => [s.name, s.aggregation])).toEqual([["opening", null], ["verdict", "vote"]]);
    expect(["happy", "sad"]).toContain(run.body.output);
    expect(existsSync(join(pipelinesDir, "sketch.yaml"))).toBe(false);

    const child = await call<PipelineRunView>("POST", `/v1/pipelines/runs/${run.body.id}/rerun`, { from_stage: 2, params: { verdict: { seed: 3 } } });
    expect(child.status, JSON.stringify(child.body)).toBe(200);
    expect(child.body).toMatchObject({ pipeline: "sketch", parentRunId: run.body.id, rerunFromStage: "verdict", status: "succeeded" });
    expect(child.body.stages[0]!.reusedFromRunId).toBe(run.body.id);
    expect(child.body.stages[1]!.reusedFromRunId).toBeNull();
  });

  it("streams every model's answer, in every stage, as stage.answer.delta events", async () => {
    const res = await fetch(`${stack.baseUrl}/v1/pipelines/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ definition: sketch, input: "Once upon a time", stream: true }),
    });
    const events = (await res.text())
      .split("\n\n")
      .filter((block) => block.startsWith("data: "))
      .map((block) => PipelineEvent.parse(JSON.parse(block.slice("data: ".length))));
    const deltas = events.filter((e): e is Extract<PipelineEvent, { type: "stage.answer.delta" }> => e.type === "stage.answer.delta");
    expect([...new Set(deltas.map((d) => `${d.stage}/${d.model}`))].sort()).toEqual(["opening/teller", "verdict/critic-a", "verdict/critic-b"]);
    const run = await call<PipelineRunView>("GET", `/v1/pipelines/runs/${events[0]!.runId}`);
    for (const answer of run.body.stages.flatMap((s) => s.answers.map((a) => ({ stage: s.name, ...a })))) {
      const text = deltas.filter((d) => d.stage === answer.stage && d.model === answer.model).map((d) => d.text).join("");
      expect(text).toBe(answer.text);
    }
  });

  it("is refused with the field named, in the orchestrator's words", async () => {
    const res = await call<ErrorBody>("POST", "/v1/pipelines/runs", { definition: badVote, input: "x" });
    expect(res.status).toBe(422);
    expect(res.body.error.param).toBe("definition.base_pipeline.stages[0].aggregation.choices");
    expect(res.body.error.message).toContain("definition: base_pipeline.stages[0].aggregation.choices:");
  });
});

describe("saving a definition", () => {
  it("needs the admin token", async () => {
    const none = await call<ErrorBody>("PUT", "/v1/pipelines/saved", { definition: sketch });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("admin_token_required");
    const wrong = await call<ErrorBody>("PUT", "/v1/pipelines/saved", { definition: sketch }, { "x-admin-token": "guess" });
    expect(wrong.status).toBe(401);
    expect(existsSync(join(pipelinesDir, "saved.yaml"))).toBe(false);
  });

  it("rejects an invalid definition, naming the field, and writes nothing", async () => {
    const res = await call<ErrorBody>("PUT", "/v1/pipelines/saved", { definition: badVote }, { "x-admin-token": ADMIN_TOKEN });
    expect(res.status).toBe(422);
    expect(res.body.error.param).toBe("definition.base_pipeline.stages[0].aggregation.choices");
    const unknownModel = { base_pipeline: { stages: [{ name: "a", type: "single", model: "ghost" }] } };
    const ghost = await call<ErrorBody>("PUT", "/v1/pipelines/saved", { definition: unknownModel }, { "x-admin-token": ADMIN_TOKEN });
    expect(ghost.status).toBe(422);
    expect(ghost.body.error.param).toBe("definition.base_pipeline.stages[0].model");
    expect(ghost.body.error.message).toMatch(/model 'ghost' is not defined in .*models\.yaml/);
    expect(existsSync(join(pipelinesDir, "saved.yaml"))).toBe(false);
    const reserved = await call<ErrorBody>("PUT", "/v1/pipelines/models", { definition: sketch }, { "x-admin-token": ADMIN_TOKEN });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.param).toBe("name");
  });

  it("writes a valid one as YAML that the catalog then serves, and keeps it unless told to overwrite", async () => {
    const saved = await call<{ file: string; created: boolean }>("PUT", "/v1/pipelines/saved", { definition: sketch }, { "x-admin-token": ADMIN_TOKEN });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(readFileSync(join(pipelinesDir, "saved.yaml"), "utf8")).toContain("name: verdict");
    const listed = await call<{ data: Array<{ name: string }> }>("GET", "/v1/pipelines");
    expect(listed.body.data.map((p) => p.name)).toContain("saved");
    const read = await call<{ definition: unknown }>("GET", "/v1/pipelines/saved");
    expect(read.body.definition).toEqual(sketch);

    const again = await call<ErrorBody>("PUT", "/v1/pipelines/saved", { definition: sketch }, { "x-admin-token": ADMIN_TOKEN });
    expect(again.status).toBe(409);
    const replaced = await call<{ created: boolean }>("PUT", "/v1/pipelines/saved", { definition: sketch, overwrite: true }, { "x-admin-token": ADMIN_TOKEN });
    expect(replaced).toMatchObject({ status: 200, body: { created: false } });
  });
});

describe("the models check", () => {
  it("reports each model: served, loadable with the numbers, or missing its file", async () => {
    const { body } = await call<PipelineModelsReport>("GET", "/v1/pipelines/models");
    const byName = new Map(body.models.map((m) => [m.name, m]));
    expect(byName.get("teller")).toMatchObject({ readiness: "served", onDisk: true, requiredForBase: true });
    expect(byName.get("teller")!.usedBy).toContain("story-council");
    const late = byName.get("latecomer")!;
    expect(late.readiness).toBe("loadable");
    expect(late.neededBytes).toBeGreaterThan(late.sizeBytes!);
    expect(late.bestFreeBytes).toBeGreaterThanOrEqual(late.neededBytes!);
    expect(byName.get("nowhere")).toMatchObject({ readiness: "missing_file", onDisk: false, sizeBytes: null });
    expect(body.workers).toHaveLength(1);
  });

  it("says a pipeline is ready when its models are served, and why not otherwise", async () => {
    const ready = await call<PipelineCheck>("POST", "/v1/pipelines/check", { pipeline: "story-council" });
    expect(ready.body.ready).toBe(true);
    expect(ready.body.models.map((m) => m.name).sort()).toEqual(["critic-a", "critic-b", "critic-c", "editor", "teller"]);
    const missing = await call<PipelineCheck>("POST", "/v1/pipelines/check", { definition: { base_pipeline: { stages: [{ name: "a", type: "single", model: "nowhere" }] } } });
    expect(missing.body.ready).toBe(false);
    expect(missing.body.problems).toContainEqual(expect.stringMatching(/^model 'nowhere': .*missing\.gguf does not exist/));
    const invalid = await call<PipelineCheck>("POST", "/v1/pipelines/check", { definition: badVote });
    expect(invalid.body).toMatchObject({ ready: false, models: [] });
    expect(invalid.body.problems[0]).toContain("base_pipeline.stages[0].aggregation.choices");
  });
});
