import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import { freePort } from "@lantern/shared/nats";
import { BUNDLED_MODEL, repoRoot } from "./harness/test-stack.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const dataDir = mkdtempSync(join(tmpdir(), "lantern-start-"));
const started: ChildProcess[] = [];
afterAll(() => {
  // A test that failed half-way leaves its stack running: killing the supervisor stops its children too.
  for (const child of started) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

function startStack(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, "scripts/stack.ts"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: "", LANTERN_DATA_DIR: dataDir, LANTERN_WORKER_METRICS_PORT: "0", LANTERN_WORKERS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (l) => output.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

it("starts NATS, the gateway, a worker and admin, serves a completion, and stops everything on Ctrl-C", async () => {
  const port = await freePort();
  const adminPort = await freePort();
  // Empty DATABASE_URL: the admin service uses embedded PGlite under the test's data dir.
  const stack = startStack({ GATEWAY_PORT: String(port), ADMIN_PORT: String(adminPort), DATABASE_URL: "", ADMIN_TOKEN: "" });
  const deadline = Date.now() + 150_000;
  while (!stack.output.some((l) => l.includes("Lantern is ready")) && Date.now() < deadline && stack.child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(stack.output.join("\n")).toContain(`http://127.0.0.1:${port}/v1`);
  expect(stack.output.join("\n")).toContain(`http://127.0.0.1:${adminPort}/docs`);
  expect((await fetch(`http://127.0.0.1:${adminPort}/api/health`)).status).toBe(200);
  const res = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 8 }),
  });
  expect(res.status).toBe(200);

  stack.child.kill("SIGINT");
  expect(await stack.exited).toBe(0);
  expect(stack.output.join("\n")).toContain("[stack] stopped.");
  expect(existsSync(join(dataDir, "stack.json"))).toBe(false);
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${adminPort}/api/health`)).rejects.toThrow();
}, 200_000);

it("without NATS_URL and without nats-server, says how to get one and exits non-zero", async () => {
  const stack = startStack({ NATS_SERVER_BIN: join(dataDir, "no-such-nats-server") });
  expect(await stack.exited).not.toBe(0);
  expect(stack.output.join("\n")).toContain("apt-get install nats-server");
});

it("stops with a clear message and a non-zero exit when a service cannot start at all", async () => {
  const [port, adminPort] = [await freePort(), await freePort()];
  const stack = startStack({ GATEWAY_PORT: String(port), ADMIN_PORT: String(adminPort), DATABASE_URL: "", GATEWAY_QUEUE_TIMEOUT_MS: "soon" });
  expect(await stack.exited).toBe(1);
  expect(stack.output.join("\n")).toMatch(/\[stack\] gateway exited while the stack was starting \(code 1\): it cannot start/);
  expect(stack.output).toContain("[stack] stopped.");
  await expect(fetch(`http://127.0.0.1:${adminPort}/api/health`)).rejects.toThrow();
});

it("refuses a port another program holds, and a worker count that is not one, before starting anything", async () => {
  const holder = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => holder.once("listening", resolve));
  const held = (holder.address() as { port: number }).port;
  const busy = startStack({ GATEWAY_PORT: String(held) });
  expect(await busy.exited).toBe(1);
  expect(busy.output.join("\n")).toContain(`127.0.0.1:${held} is in use by another program; stop it or choose another port with GATEWAY_PORT`);
  holder.close();

  const badCount = startStack({}, ["--workers", "many"]);
  expect(await badCount.exited).toBe(2);
  expect(badCount.output.join("\n")).toContain("--workers must be a whole number");
});
