import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import { freePort } from "@lantern/shared/nats";
import { BUNDLED_MODEL, repoRoot } from "./harness/test-stack.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const dataDir = mkdtempSync(join(tmpdir(), "lantern-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startStack(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, "scripts/stack.ts")], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: "", LANTERN_DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  const deadline = Date.now() + 90_000;
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
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${adminPort}/api/health`)).rejects.toThrow();
});

it("without NATS_URL and without nats-server, says how to get one and exits non-zero", async () => {
  const stack = startStack({ NATS_SERVER_BIN: join(dataDir, "no-such-nats-server") });
  expect(await stack.exited).not.toBe(0);
  expect(stack.output.join("\n")).toContain("apt-get install nats-server");
});
