import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PipelineEvent, type PipelineRunView } from "@lantern/shared/contracts";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

let stack: TestStack;
let pipelinesDir: string;
let database: TestDatabase;
const orchestrators: TestOrchestrator[] = [];

beforeAll(async () => {
  pipelinesDir = mkdtempSync(join(tmpdir(), "lantern-pipelines-"));
  writeFileSync(
    join(pipelinesDir, "models.yaml"),
    `models_directory: ${join(repoRoot, "models")}\nmodels:\n  teller: {file: stories260K.gguf}\n  latecomer: {file: stories260K.gguf}\n  straggler: {file: stories260K.gguf}\n`,
  );
  writeFileSync(
    join(pipelinesDir, "late.yaml"),
    "base_pipeline:\n  stages:\n    - {name: start, type: single, model: teller, max_tokens: 12}\n    - {name: finish, type: single, model: latecomer, max_tokens: 12}\n",
  );
  database = await useTestDatabase();
  writeFileSync(
    join(pipelinesDir, "straggling.yaml"),
    "base_pipeline:\n  stages:\n    - {name: start, type: single, model: teller, max_tokens: 12}\n    - {name: finish, type: single, model: straggler, max_tokens: 12}\n",
  );
  stack = await startTestStack();
  await stack.startWorker({ INFERENCE_MODELS: "teller=stories260K.gguf?slots=1&context=256" });
});
afterAll(async () => {
  for (const o of orchestrators.reverse()) await o.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
  await database?.drop();
  rmSync(pipelinesDir, { recursive: true, force: true });
});

const getRun = async (id: string) => (await (await fetch(`${stack.baseUrl}/v1/pipelines/runs/${id}`)).json()) as PipelineRunView;

it("a run whose orchestrator stops goes on with another replica from its checkpoints", async () => {
  const env = { PIPELINES_DIR: pipelinesDir, ORCHESTRATOR_QUEUE_TIMEOUT_MS: "60000" };
  const first = await startTestOrchestrator(stack.nats, env, database);
  orchestrators.push(first);

  const res = await fetch(`${stack.baseUrl}/v1/pipelines/late/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: "Once upon a time", async: true }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as PipelineRunView;
  // Stage 1 is done; stage 2 waits for a worker serving 'latecomer', which none does yet.
  await waitFor(async () => (await getRun(id)).stages[1]!.status === "running", 30_000, "stage 2 to start");
  const checkpoint = (await getRun(id)).stages[0]!;
  expect(checkpoint).toMatchObject({ status: "succeeded", attempts: 1 });

  await first.stop();
  const second = await startTestOrchestrator(stack.nats, env, database);
  orchestrators.push(second);
  await stack.startWorker({ INFERENCE_MODELS: "latecomer=stories260K.gguf?slots=1&context=256" });

  await waitFor(async () => (await getRun(id)).status === "succeeded", 60_000, "the run to finish on the second orchestrator");
  const run = await getRun(id);
  expect(run.stages[0]).toEqual(checkpoint);
  expect(run.stages[1]).toMatchObject({ status: "succeeded", attempts: 2, error: null });

  const sse = await (await fetch(`${stack.baseUrl}/v1/pipelines/runs/${id}/events`)).text();
  const events = sse
    .split("\n\n")
    .filter((b) => b.startsWith("data: "))
    .map((b) => PipelineEvent.parse(JSON.parse(b.slice(6))));
  const starts = events.filter((e): e is Extract<PipelineEvent, { type: "run.started" }> => e.type === "run.started").map((e) => e.attempt);
  expect(starts).toEqual([1, 2]);
  expect(events.filter((e) => e.type === "stage.completed").map((e) => [e.stage, (e as { reused: boolean }).reused])).toEqual([
    ["start", false],
    ["start", true],
    ["finish", false],
  ]);
  expect(events.at(-1)?.type).toBe("run.completed");
  await second.stop();
});

it("a failed stage is tried again on its own, without recomputing the stage before", async () => {
  // Each try of stage 2 gives up quickly while no worker serves 'straggler'; there are tries enough for one to start.
  const env = { PIPELINES_DIR: pipelinesDir, ORCHESTRATOR_QUEUE_TIMEOUT_MS: "1000", ORCHESTRATOR_RETRY_DELAY_MS: "500", ORCHESTRATOR_RUN_ATTEMPTS: "100" };
  orchestrators.push(await startTestOrchestrator(stack.nats, env, database));
  const res = await fetch(`${stack.baseUrl}/v1/pipelines/straggling/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: "Once upon a time", async: true }),
  });
  const { id } = (await res.json()) as PipelineRunView;
  await waitFor(async () => (await getRun(id)).stages[1]!.attempts >= 2, 30_000, "stage 2 to fail and be tried again");
  const checkpoint = (await getRun(id)).stages[0]!;
  expect(checkpoint).toMatchObject({ status: "succeeded", attempts: 1 });

  await stack.startWorker({ INFERENCE_MODELS: "straggler=stories260K.gguf?slots=1&context=256" });
  await waitFor(async () => (await getRun(id)).status === "succeeded", 60_000, "the run to succeed once a worker serves 'straggler'");
  const run = await getRun(id);
  expect(run.stages[0]).toEqual(checkpoint);
  expect(run.stages[1]!.status).toBe("succeeded");
  expect(run.stages[1]!.attempts).toBeGreaterThanOrEqual(2);
});
