/**
 * `npm start -- --workers 3` as one stack for the fleet's scenarios, one after the other: three
 * workers serving, all of them killed and restarted while a request waits, a fourth joining with
 * `npm run worker`, and `npm stop` from another process.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { completion, eventually, isRunning, startStackCommand, type StackCommand } from "./harness/stack-command.js";
import { repoRoot } from "./harness/test-stack.js";

const run = promisify(execFile);
let stack: StackCommand;
const spawned: number[] = [];

async function fleetWorkerIds(): Promise<string[]> {
  const fleet = (await (await fetch(`${stack.baseUrl}/fleet`)).json()) as { workers: { workerId: string }[] };
  return fleet.workers.map((w) => w.workerId);
}

const workerPids = () => stack.state()!.children.filter((c) => c.name.startsWith("inference-")).map((c) => c.pid);

beforeAll(async () => {
  stack = await startStackCommand({
    args: ["--workers", "3"],
    // One slot each, so a burst has to spread; a long queue timeout, so a request can wait out a restart.
    env: { INFERENCE_MODELS: "stories260K=stories260K.gguf?slots=1", INFERENCE_THREADS: "1", GATEWAY_QUEUE_TIMEOUT_MS: "120000" },
  });
  await stack.waitForLine("Lantern is ready");
  await eventually(async () => (await fleetWorkerIds()).length === 3, 60_000);
}, 240_000);

afterAll(() => {
  for (const pid of spawned) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  stack?.cleanup();
});

it("runs three workers, named inference-1..3, all in the gateway's fleet, and a burst is served by more than one", async () => {
  expect(stack.state()!.children.map((c) => c.name)).toEqual(expect.arrayContaining(["inference-1", "inference-2", "inference-3"]));
  const fleet = await fleetWorkerIds();
  expect(fleet).toHaveLength(3);
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => completion(stack.baseUrl, `Story ${i}: once upon a time`, 200)));
  for (const r of results) {
    expect(r.status).toBe(200);
    expect(r.text.length).toBeGreaterThan(0);
  }
  const servedBy = new Set(results.map((r) => r.worker));
  expect(servedBy.size).toBeGreaterThan(1);
  for (const worker of servedBy) expect(fleet).toContain(worker);
}, 120_000);

it("restarts workers killed with SIGKILL, and a request sent while none runs waits for them and completes", async () => {
  const killed = workerPids();
  for (const pid of killed) process.kill(pid, "SIGKILL");
  const result = await completion(stack.baseUrl, "The little dog", 16);
  expect(result.status).toBe(200);
  expect(result.text.length).toBeGreaterThan(0);

  expect(stack.child.exitCode).toBeNull();
  for (const name of ["inference-1", "inference-2", "inference-3"]) {
    expect(stack.output.some((l) => new RegExp(`^\\[stack\\] ${name} exited unexpectedly \\(signal SIGKILL\\) .*restarting it in`).test(l))).toBe(true);
  }
  expect(await eventually(() => workerPids().length === 3 && workerPids().every((pid) => !killed.includes(pid)), 60_000)).toBe(true);
  expect(stack.output.filter((l) => /^\[stack\] inference-\d restarted \(pid \d+\)/.test(l))).toHaveLength(3);
}, 150_000);

it("npm run worker joins the running stack, and stops cleanly on SIGTERM", async () => {
  const worker = spawn(process.execPath, [join(repoRoot, "scripts/worker.mjs")], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: "", LANTERN_DATA_DIR: stack.dataDir, LANTERN_WORKER_METRICS_PORT: "0", INFERENCE_THREADS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  spawned.push(worker.pid!);
  const lines: string[] = [];
  for (const stream of [worker.stdout!, worker.stderr!]) createInterface({ input: stream }).on("line", (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
  const workerId = () => lines.map((l) => /"workerId":"([^"]+)"/.exec(l)?.[1]).find(Boolean);

  expect(await eventually(() => workerId() !== undefined, 60_000)).toBe(true);
  expect(lines[0]).toContain(`joining the stack of ${stack.dataDir}`);
  expect(await eventually(async () => (await fleetWorkerIds()).includes(workerId()!), 60_000)).toBe(true);

  worker.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(lines.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);
}, 150_000);

it("npm stop stops the stack from another process, leaving nothing running; then says that none runs", async () => {
  const seen = stack.pidsSeen();
  const stop = await run(process.execPath, [join(repoRoot, "scripts/stop.mjs")], { cwd: repoRoot, env: { ...process.env, LANTERN_DATA_DIR: stack.dataDir } });
  expect(stop.stdout).toContain("Stopped.");
  expect(await stack.exited).toBe(0);
  expect(stack.output).toContain("[stack] stopped.");
  expect([...seen].filter(isRunning)).toEqual([]);
  expect(existsSync(join(stack.dataDir, "stack.json"))).toBe(false);
  await expect(fetch(`${stack.baseUrl}/healthz`)).rejects.toThrow();

  const again = await run(process.execPath, [join(repoRoot, "scripts/stop.mjs")], { cwd: repoRoot, env: { ...process.env, LANTERN_DATA_DIR: stack.dataDir } });
  expect(again.stdout).toContain("No stack is running");
}, 120_000);
