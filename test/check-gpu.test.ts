import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "./harness/test-stack.js";

const checkGpu = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, "scripts/check-gpu.mjs"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: process.env.NATS_URL ?? "" },
    encoding: "utf8",
    timeout: 240_000,
  });

it("npm run check:gpu exits 0: it says there is no GPU, or proves the GPU pool beside the CPU pool", () => {
  const run = checkGpu();
  expect(run.status, run.stderr).toBe(0);
  if (run.stdout.includes("No GPU here")) {
    expect(run.stdout).toContain("Nothing to check");
  } else {
    expect(run.stdout).toMatch(/GPU found: (cuda|vulkan|metal)/);
    expect(run.stdout).toMatch(/\| cpu \|/);
    expect(run.stdout).toMatch(/\/ cpu: [\d.]+x at 1 stream/);
  }
}, 300_000);

it("serves the bundled model through the whole stack on the pool it is given, and prints its tokens/s", () => {
  const run = checkGpu("--pool", "cpu");
  expect(run.status, run.stderr).toBe(0);
  const row = run.stdout.split("\n").find((line) => line.startsWith("| cpu |"));
  expect(row, run.stdout).toBeDefined();
  const [single, parallel] = row!.split("|").slice(4, 6).map((cell) => Number(cell.trim()));
  expect(single).toBeGreaterThan(0);
  expect(parallel).toBeGreaterThan(0);
}, 300_000);
