/**
 * No process of a stack outlives it, whatever ends it: its supervisor killed with SIGKILL (the
 * children stop by themselves), what a dead stack left behind (the next `npm start` stops it first),
 * and SIGTERM to the whole process group of `npm start`, as a service manager sends it.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { portIsFree } from "../scripts/supervisor/port-check.js";
import { eventually, isRunning, startStackCommand, type StackCommand } from "./harness/stack-command.js";

const stacks: StackCommand[] = [];
let dataDir: string | undefined;
let leftover: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  for (const stack of stacks) stack.cleanup();
  leftover?.kill("SIGKILL");
});

async function portsOf(stack: StackCommand): Promise<number[]> {
  const state = stack.state()!;
  return [state.natsUrl, state.gatewayUrl, state.adminUrl].map((url) => Number(new URL(url).port));
}

async function allPortsFree(ports: number[]): Promise<boolean> {
  return (await Promise.all(ports.map((port) => portIsFree("127.0.0.1", port)))).every(Boolean);
}

it("children stop by themselves when their supervisor is killed with SIGKILL", async () => {
  const stack = await startStackCommand();
  stacks.push(stack);
  dataDir = stack.dataDir;
  await stack.waitForLine("Lantern is ready");
  const ports = await portsOf(stack);
  const children = stack.state()!.children;
  expect(children.map((c) => c.name)).toEqual(["nats", "admin-orchestrator", "inference-1", "gateway"]);

  process.kill(stack.child.pid!, "SIGKILL");
  expect(await eventually(() => children.every((c) => !isRunning(c.pid)), 40_000)).toBe(true);
  expect(await allPortsFree(ports)).toBe(true);
}, 240_000);

it("npm start stops what a stack of its data dir left running, and SIGTERM to its process group stops everything in order", async () => {
  // What a stack killed mid-way might leave: its state file, naming a child that still runs.
  leftover = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000) // lantern-leftover"], { stdio: "ignore", detached: true });
  const statePath = join(dataDir!, "stack.json");
  const state = JSON.parse(readFileSync(statePath, "utf8")) as { children: { name: string; pid: number; marker: string }[] };
  state.children.push({ name: "orchestrator", pid: leftover.pid!, marker: "lantern-leftover" });
  writeFileSync(statePath, JSON.stringify(state));

  const stack = await startStackCommand({ via: "npm", dataDir: dataDir! });
  stacks.push(stack);
  await stack.waitForLine("Lantern is ready");
  expect(stack.output.join("\n")).toContain(`did not stop cleanly: orchestrator (pid ${leftover.pid}) still running; stopping them first`);
  expect(isRunning(leftover.pid!)).toBe(false);

  const ports = await portsOf(stack);
  const pids = [stack.state()!.supervisorPid, ...stack.state()!.children.map((c) => c.pid)];
  process.kill(-stack.child.pid!, "SIGTERM");
  expect(await eventually(() => pids.every((pid) => !isRunning(pid)), 40_000)).toBe(true);
  expect(await allPortsFree(ports)).toBe(true);
  expect(existsSync(statePath)).toBe(false);
  // Its last lines may still be on their way through the pipe when every process is gone.
  await stack.closed;
  expect(stack.output).toContain("[stack] stopped.");
  // In order: the edge, then the worker, then admin.
  const stoppedAt = (msg: string) => stack.output.findIndex((l) => l.includes(`"msg":"${msg}"`));
  expect(stoppedAt("gateway stopped")).toBeGreaterThan(-1);
  expect(stoppedAt("gateway stopped")).toBeLessThan(stoppedAt("worker stopped"));
  expect(stoppedAt("worker stopped")).toBeLessThan(stoppedAt("admin stopped"));
}, 240_000);
