import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineRunView } from "@lantern/shared/contracts";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { repoRoot, startTestStack, type TestStack } from "./harness/test-stack.js";

const SERVED = ["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=1&context=256`).join(",");

let stack: TestStack;
let orchestrator: TestOrchestrator;
let workerLogs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  stack = await startTestStack();
  workerLogs = (await stack.startWorker({ INFERENCE_MODELS: SERVED })).logs;
  orchestrator = await startTestOrchestrator(stack.nats);
});
afterAll(async () => {
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
});

// A run takes about a second here; one that has not ended well before the test's own timeout is stuck.
const CLI_DEADLINE_MS = 40_000;

/** The orchestrator's last lines and the worker's warnings: where a stuck run got to. */
function serviceTroubles(): string {
  const lines = [...orchestrator.logs.slice(-15), ...workerLogs.filter((line) => Number(line.level) >= 40).slice(-10)];
  return lines.map((line) => JSON.stringify(line).slice(0, 600)).join("\n") || "(nothing logged)";
}

/** Runs `npm run pipeline -- ...` the way the root script does, against the test's gateway. */
function cli(args: string[], gatewayUrl = stack.baseUrl): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "scripts/pipeline.mjs"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, GATEWAY_URL: gatewayUrl, LANTERN_API_KEY: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pipeline ${args.join(" ")} had not ended after ${CLI_DEADLINE_MS} ms.\nstderr so far:\n${stderr}\nservices:\n${serviceTroubles()}`));
    }, CLI_DEADLINE_MS);
    child.once("exit", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm run pipeline --", () => {
  let runId: string;

  it("run --json prints the finished run as JSON", async () => {
    const { code, stdout } = await cli(["run", "story-council", "--input", "Once upon a time", "--json"]);
    expect(code).toBe(0);
    const run = JSON.parse(stdout) as PipelineRunView;
    expect(run.status).toBe("succeeded");
    expect(run.stages.map((s) => s.name)).toEqual(["draft", "mood", "ending"]);
    runId = run.id;
  });

  it("run streams the answer to stdout and progress to stderr", async () => {
    const { code, stdout, stderr } = await cli(["run", "story-council", "--input", "Once upon a time"]);
    expect(code).toBe(0);
    expect(stderr).toContain("stage 1 'draft' started: teller");
    expect(stderr).toContain("stage 2 'mood' started: critic-a, critic-b, critic-c");
    expect(stderr).toContain("run completed");
    const output = /\n {2}output: (.*)\n/.exec(stderr)?.[1];
    expect(output).toBeTruthy();
    expect(stdout.replace(/\s+/g, " ").trim().slice(0, 50)).toBe(output!.slice(0, 50));
  });

  it("rerun makes a child run and history shows it under its parent", async () => {
    const rerun = await cli(["rerun", runId, "--from", "mood", "--set", "mood.max_tokens=12", "--json"]);
    expect(rerun.code).toBe(0);
    const child = JSON.parse(rerun.stdout) as PipelineRunView;
    expect(child.parentRunId).toBe(runId);
    expect(child.stages[0]!.reusedFromRunId).toBe(runId);

    const history = await cli(["history"]);
    expect(history.code).toBe(0);
    const lines = history.stdout.split("\n");
    const parentLine = lines.findIndex((l) => l.startsWith(runId));
    expect(parentLine).toBeGreaterThanOrEqual(0);
    expect(lines[parentLine + 1]).toMatch(new RegExp(`^└─ ${child.id} +story-council +succeeded from 'mood'`));
  });

  it("fails with the gateway's message and exit code 1", async () => {
    const unknown = await cli(["run", "nope", "--input", "x"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No pipeline is named 'nope' (defined: story-council). (pipeline_not_found)");
    const noGateway = await cli(["history"], "http://127.0.0.1:9");
    expect(noGateway.code).toBe(1);
    expect(noGateway.stderr).toContain("Cannot reach the gateway at http://127.0.0.1:9");
    const badSet = await cli(["run", "story-council", "--input", "x", "--set", "mood=3"]);
    expect(badSet.code).toBe(1);
    expect(badSet.stderr).toContain("--set mood=3: expected <stage>.<param>=<value>");
  });
});
