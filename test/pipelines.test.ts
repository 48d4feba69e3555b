import { copyFileSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { natsNames, PipelineEvent, type PipelineRunSummary, type PipelineRunView, type UsageEvent } from "@lantern/shared/contracts";
import { usageEventsInStream, waitFor } from "@lantern/shared/testing";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { repoRoot, startTestStack, type TestStack } from "./harness/test-stack.js";

// The shipped example's models, all the bundled file; `latecomer` is defined but no worker serves it at first.
const SERVED = ["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=1&context=256`).join(",");

let stack: TestStack;
let orchestrator: TestOrchestrator;
let pipelinesDir: string;

beforeAll(async () => {
  pipelinesDir = mkdtempSync(join(tmpdir(), "lantern-pipelines-"));
  const models = readFileSync(join(repoRoot, "pipelines/models.yaml"), "utf8").replace("models_directory: ../models", `models_directory: ${join(repoRoot, "models")}`);
  writeFileSync(join(pipelinesDir, "models.yaml"), `${models}  latecomer:\n    file: stories260K.gguf\n  nowhere:\n    file: missing.gguf\n`);
  copyFileSync(join(repoRoot, "pipelines/story-council.yaml"), join(pipelinesDir, "story-council.yaml"));
  writeFileSync(
    join(pipelinesDir, "late.yaml"),
    `base_pipeline:
  stages:
    - {name: start, type: single, model: teller, max_tokens: 12}
    - {name: finish, type: single, model: latecomer, max_tokens: 12}
`,
  );
  writeFileSync(join(pipelinesDir, "missing.yaml"), "base_pipeline:\n  stages:\n    - {name: only, type: single, model: nowhere}\n");
  writeFileSync(
    join(pipelinesDir, "loop.yaml"),
    `base_pipeline:
  stages:
    - {name: a, type: single, model: teller, input_from: b}
    - {name: b, type: single, model: teller}
`,
  );
  writeFileSync(join(pipelinesDir, "broken.yaml"), "base_pipeline:\n  stages:\n    - name: a\n      type: single\n      model: teller\n      output_mode: everything\n");

  stack = await startTestStack();
  await stack.startWorker({ INFERENCE_MODELS: SERVED });
  orchestrator = await startTestOrchestrator(stack.nats, {
    PIPELINES_DIR: pipelinesDir,
    ORCHESTRATOR_RUN_ATTEMPTS: "1",
    ORCHESTRATOR_QUEUE_TIMEOUT_MS: "5000",
  });
});

afterAll(async () => {
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
  rmSync(pipelinesDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body as T;
}

/** The `data:` events of an SSE body, each parsed with the contract. */
async function sseEvents(res: Response): Promise<PipelineEvent[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => PipelineEvent.parse(JSON.parse(block.slice("data: ".length))));
}

let firstRun: PipelineRunView;

describe("a three-stage pipeline on the bundled model", () => {
  it("runs single → multi with vote → multi with synthesis and keeps every stage", async () => {
    const run = await json<PipelineRunView>(await post("/v1/pipelines/story-council/runs", { input: "Once upon a time" }));
    firstRun = run;
    expect(run.status).toBe("succeeded");
    expect(run.stages.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["draft", "succeeded", 1],
      ["mood", "succeeded", 1],
      ["ending", "succeeded", 1],
    ]);
    const [draft, mood, ending] = run.stages as [PipelineRunView["stages"][number], PipelineRunView["stages"][number], PipelineRunView["stages"][number]];

    // input_plus_answer: the draft passes on the input followed by the story.
    expect(draft.answers).toHaveLength(1);
    expect(draft.answers[0]!.model).toBe("teller");
    expect(draft.output!.startsWith("Once upon a time\n\n")).toBe(true);
    expect(draft.output!.length).toBeGreaterThan("Once upon a time\n\n".length);

    // Every vote is exactly one of the choices; the output is the choice with the most votes.
    expect(mood.answers.map((a) => a.model)).toEqual(["critic-a", "critic-b", "critic-c"]);
    for (const a of mood.answers) expect(["happy", "sad"]).toContain(a.choice);
    expect(Object.values(mood.votes!).reduce((a, b) => a + b, 0)).toBe(3);
    const top = Math.max(...Object.values(mood.votes!));
    expect(mood.votes![mood.output!]).toBe(top);
    expect(mood.prompt).toContain(draft.output!);

    // Two candidates, then the editor's synthesis, which is the stage's and the run's output.
    expect(ending.answers.map((a) => [a.model, a.role])).toEqual([
      ["critic-a", "candidate"],
      ["critic-b", "candidate"],
      ["editor", "synthesis"],
    ]);
    expect(ending.prompt).toContain(`${draft.output}\n\n${mood.output}`);
    expect(ending.output).toBe(ending.answers[2]!.text.trim());
    expect(run.output).toBe(ending.output);
    for (const stage of run.stages) {
      for (const a of stage.answers) {
        expect(a.completionTokens).toBeGreaterThan(0);
        expect(a.workerId).toMatch(/\S/);
      }
    }
    expect(run.usage.completionTokens).toBe(run.stages.flatMap((s) => s.answers).reduce((n, a) => n + a.completionTokens, 0));

    const stored = await json<PipelineRunView>(await fetch(`${stack.baseUrl}/v1/pipelines/runs/${run.id}`));
    expect(stored).toEqual(run);

    // Each model call published its usage event, as a request does: one per answer, same tokens.
    const answers = run.stages.flatMap((s) => s.answers);
    const nc = await connect({ servers: stack.nats.url });
    try {
      let usage: UsageEvent[] = [];
      await waitFor(async () => (usage = (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).filter((e) => e.requestId.startsWith(run.id))).length >= answers.length);
      expect(usage).toHaveLength(answers.length);
      for (const event of usage) expect(event).toMatchObject({ keyId: null, path: "/v1/pipelines/runs", status: 200 });
      expect(usage.map((e) => e.model).sort()).toEqual(answers.map((a) => a.model).sort());
      expect(usage.reduce((n, e) => n + e.completionTokens, 0)).toBe(run.usage.completionTokens);
      expect(usage.reduce((n, e) => n + e.promptTokens, 0)).toBe(run.usage.promptTokens);
    } finally {
      await nc.close();
    }
  });

  it("streams the run's progress as SSE, the last stage's text as it is written, and replays it afterwards", async () => {
    const live = await sseEvents(await post("/v1/pipelines/story-council/runs", { input: "Once upon a time", stream: true }));
    const types = live.map((e) => e.type).filter((t) => t !== "stage.delta" && t !== "stage.answer.delta");
    expect(types).toEqual([
      "run.queued",
      "run.started",
      "stage.started",
      "stage.completed",
      "stage.started",
      "stage.completed",
      "stage.started",
      "stage.completed",
      "run.completed",
    ]);
    const deltas = live.filter((e): e is Extract<PipelineEvent, { type: "stage.delta" }> => e.type === "stage.delta");
    expect(deltas.length).toBeGreaterThan(0);
    expect(new Set(deltas.map((d) => d.stage))).toEqual(new Set(["ending"]));
    const completed = live.at(-1) as Extract<PipelineEvent, { type: "run.completed" }>;
    expect(deltas.map((d) => d.text).join("").trim()).toBe(completed.output);

    const replayed = await sseEvents(await fetch(`${stack.baseUrl}/v1/pipelines/runs/${completed.runId}/events`));
    expect(replayed).toEqual(live);
  });

  it("reruns from stage 2 with changed parameters as a child run that shares stage 1", async () => {
    const child = await json<PipelineRunView>(
      await post(`/v1/pipelines/runs/${firstRun.id}/rerun`, { from_stage: 2, params: { mood: { max_tokens: 12, seed: 7 } } }),
    );
    expect(child.id).not.toBe(firstRun.id);
    expect(child.parentRunId).toBe(firstRun.id);
    expect(child.rerunFromStage).toBe("mood");
    expect(child.status).toBe("succeeded");
    const [draft, mood, ending] = child.stages;
    expect(draft).toMatchObject({ status: "succeeded", attempts: 0, reusedFromRunId: firstRun.id, output: firstRun.stages[0]!.output });
    expect(draft!.answers).toEqual(firstRun.stages[0]!.answers);
    expect(mood).toMatchObject({ status: "succeeded", attempts: 1, reusedFromRunId: null });
    expect(mood!.params).toMatchObject({ max_tokens: 12, seed: 7 });
    expect(ending).toMatchObject({ status: "succeeded", attempts: 1, reusedFromRunId: null });
    // The child spent tokens on stages 2 and 3 only.
    expect(child.usage.completionTokens).toBe([mood!, ending!].flatMap((s) => s.answers).reduce((n, a) => n + a.completionTokens, 0));

    const history = await json<{ data: PipelineRunSummary[] }>(await fetch(`${stack.baseUrl}/v1/pipelines/runs?pipeline=story-council`));
    const byId = new Map(history.data.map((r) => [r.id, r]));
    expect(byId.get(child.id)?.parentRunId).toBe(firstRun.id);
    expect(byId.get(firstRun.id)?.parentRunId).toBeNull();
  });
});

describe("a failed stage", () => {
  it("fails the run, then a retry continues from the checkpoint without recomputing the stage before", async () => {
    const failed = await json<PipelineRunView>(await post("/v1/pipelines/late/runs", { input: "Once upon a time" }));
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/stage 'finish' failed: No worker for 'latecomer' had a free slot/);
    const [start, finish] = failed.stages;
    expect(start).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(finish).toMatchObject({ status: "failed", attempts: 1 });

    await stack.startWorker({ INFERENCE_MODELS: "latecomer=stories260K.gguf?slots=1&context=256" });
    const retried = await json<PipelineRunView>(await post(`/v1/pipelines/runs/${failed.id}/retry`, {}));
    expect(retried.id).toBe(failed.id);
    expect(retried.status).toBe("succeeded");
    expect(retried.stages[0]).toEqual(start);
    expect(retried.stages[1]).toMatchObject({ status: "succeeded", attempts: 2, error: null });
    expect(retried.stages[1]!.prompt).toBe(start!.output);
    expect(retried.output).toBe(retried.stages[1]!.output);
  });
});

describe("bad input", () => {
  it("answers 404 for an unknown pipeline and run, in the OpenAI error shape", async () => {
    const res = await post("/v1/pipelines/nope/runs", { input: "x" });
    const body = await json<{ error: { code: string; message: string; type: string } }>(res, 404);
    expect(body.error.code).toBe("pipeline_not_found");
    expect(body.error.message).toContain("'nope'");
    expect(body.error.message).toContain("story-council");
    const run = await json<{ error: { code: string } }>(await fetch(`${stack.baseUrl}/v1/pipelines/runs/run_missing`), 404);
    expect(run.error.code).toBe("run_not_found");
  });

  it("refuses invalid and cyclic definitions and missing models, saying exactly why", async () => {
    const broken = await json<{ error: { code: string; message: string } }>(await post("/v1/pipelines/broken/runs", { input: "x" }), 422);
    expect(broken.error.code).toBe("invalid_pipeline_definition");
    expect(broken.error.message).toMatch(/broken\.yaml:6: base_pipeline\.stages\[0\]\.output_mode: /);
    const loop = await json<{ error: { message: string } }>(await post("/v1/pipelines/loop/runs", { input: "x" }), 422);
    expect(loop.error.message).toMatch(/cycle: (a → b → a|b → a → b)/);
    const missing = await json<{ error: { code: string; message: string } }>(await post("/v1/pipelines/missing/runs", { input: "x" }), 422);
    expect(missing.error.code).toBe("models_unavailable");
    expect(missing.error.message).toContain("model 'nowhere' is not served by any live worker");
    expect(missing.error.message).toContain("missing.gguf does not exist");
  });

  it("refuses a bad body, an unknown stage and a retry of a run that did not fail", async () => {
    const noInput = await json<{ error: { param: string } }>(await post("/v1/pipelines/story-council/runs", {}), 400);
    expect(noInput.error.param).toBe("input");
    const badParams = await json<{ error: { code: string; param: string } }>(
      await post("/v1/pipelines/story-council/runs", { input: "x", params: { drafting: { max_tokens: 4 } } }),
      400,
    );
    expect(badParams.error).toMatchObject({ code: "unknown_stage", param: "params.drafting" });
    const badStage = await json<{ error: { code: string } }>(await post(`/v1/pipelines/runs/${firstRun.id}/rerun`, { from_stage: "polish" }), 400);
    expect(badStage.error.code).toBe("unknown_stage");
    const notFailed = await json<{ error: { code: string } }>(await post(`/v1/pipelines/runs/${firstRun.id}/retry`, {}), 409);
    expect(notFailed.error.code).toBe("run_not_failed");
  });

  it("answers 503 with a clear message when no orchestrator is running", async () => {
    await orchestrator.stop();
    const body = await json<{ error: { code: string; message: string } }>(await fetch(`${stack.baseUrl}/v1/pipelines/runs`), 503);
    expect(body.error.code).toBe("orchestrator_unavailable");
    expect(body.error.message).toContain("No orchestrator is running");
  });
});
