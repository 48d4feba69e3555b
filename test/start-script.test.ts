// start.sh's wait for a healthy stack, run against a stand-in `docker` (harness/fake-docker.mjs) that
// reports containers as a Docker engine would: where no engine runs, this is what can be checked.
import { spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "./harness/test-stack.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Container {
  name: string;
  health?: { status: string; checks: string[] };
}

const healthy = (name: string, ...checks: string[]): Container => ({ name, health: { status: "healthy", checks } });

/** Runs a copy of start.sh (its own .env) with `docker` answering from `containers`. */
async function runStartScript(containers: Container[]): Promise<{ code: number | null; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), "lantern-start-sh-"));
  dirs.push(dir);
  await copyFile(join(repoRoot, "start.sh"), join(dir, "start.sh"));
  await copyFile(join(repoRoot, ".env.example"), join(dir, ".env.example"));
  await mkdir(join(dir, "bin"));
  const docker = join(dir, "bin", "docker");
  await writeFile(docker, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, "test", "harness", "fake-docker.mjs")}" "$@"\n`);
  await chmod(docker, 0o755);
  const inspected = containers.map((c, i) => ({
    Id: `c${i}`,
    Name: `/${c.name}`,
    State: {
      Status: "running",
      ExitCode: 0,
      ...(c.health ? { Health: { Status: c.health.status, Log: c.health.checks.map((Output) => ({ Output })) } } : {}),
    },
  }));
  await writeFile(join(dir, "containers.json"), JSON.stringify(inspected));
  const child = spawn("sh", [join(dir, "start.sh")], {
    env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, HOME: dir, FAKE_DOCKER_CONTAINERS: join(dir, "containers.json"), LANTERN_START_TIMEOUT_S: "20" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

it("reports the stack up once every container is healthy, the workers' models loaded", async () => {
  const { code, output } = await runStartScript([
    healthy("lantern-gateway-1"),
    healthy("lantern-inference-cpu-1", "model stories260K loading\n", "model stories260K loaded\n"),
  ]);
  expect(output).toContain("Lantern is up.");
  expect(code).toBe(0);
});

it("prints each model that failed to load with its reason instead of reporting ready", async () => {
  const { code, output } = await runStartScript([
    healthy("lantern-gateway-1", "waiting for a worker with a loaded model (loading: story on w1)\n"),
    healthy("lantern-inference-cpu-1", "model story loading\nmodel broken loading\n", 'model story loaded\nmodel broken failed to load: Model file "broken.gguf" was not found in the models dir.\n'),
  ]);
  expect(code).toBe(1);
  expect(output).toContain("Lantern is not ready: a model failed to load.");
  expect(output).toContain('  lantern-inference-cpu-1: broken failed to load: Model file "broken.gguf" was not found in the models dir.');
  expect(output).not.toContain("story failed");
  expect(output).not.toContain("Lantern is up.");
});

it("does not wait out the start period of a worker whose every model failed", async () => {
  const { code, output } = await runStartScript([
    { name: "lantern-gateway-1", health: { status: "starting", checks: ["waiting for a worker with a loaded model (none loading; see failedModels)\n"] } },
    { name: "lantern-inference-cpu-1", health: { status: "starting", checks: ["model big failed to load: Model 'big' does not fit: 9 GiB of RAM needed, 2 GiB free.\n"] } },
  ]);
  expect(code).toBe(1);
  expect(output).toContain("  lantern-inference-cpu-1: big failed to load: Model 'big' does not fit: 9 GiB of RAM needed, 2 GiB free.");
});

it("names an unhealthy container with what its health check said", async () => {
  const { code, output } = await runStartScript([
    healthy("lantern-inference-cpu-1", "model story loaded\n"),
    { name: "lantern-gateway-1", health: { status: "unhealthy", checks: ["waiting for a live worker (none has sent a heartbeat)\n"] } },
  ]);
  expect(code).toBe(1);
  expect(output).toContain("lantern-gateway-1 is unhealthy; its last health check said:\n  waiting for a live worker (none has sent a heartbeat)");
});
