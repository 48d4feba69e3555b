import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateVersion } from "@lantern/shared/contracts";
import { BUNDLED_MODEL, repoRoot, startTestStack, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

/*
 * Mentator (seed 002): its container health check, `curl -f http://localhost:19777/state/version`,
 * against the gateway and a worker's metrics port, and the images' own health checks, run as the
 * Dockerfile writes them.
 */

const run = promisify(execFile);
let stack: TestStack;
let worker: InProcessWorker;
const GATEWAY_VERSION = (JSON.parse(readFileSync(join(repoRoot, "services/gateway/package.json"), "utf8")) as { version: string }).version;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { LANTERN_BUILD: "test-build" } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** `curl -f`: fails on a status of 400 or more; the body is the answer. */
async function curlF(url: string): Promise<StateVersion> {
  const response = await fetch(url);
  expect(response.ok, `${url}: ${response.status}`).toBe(true);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  return StateVersion.parse(await response.json());
}

/** The HEALTHCHECK command of a Dockerfile stage (continuation lines joined). */
function healthCheckOf(stage: string): string[] {
  const text = readFileSync(join(repoRoot, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const body = text.split(/^FROM /m).find((s) => new RegExp(`^\\S+ AS ${stage}\\s`).test(s));
  const line = body?.split("\n").find((l) => l.startsWith("HEALTHCHECK "));
  expect(line, `${stage}'s HEALTHCHECK`).toBeDefined();
  return JSON.parse(line!.slice(line!.indexOf("CMD ") + 4)) as string[];
}

/** Runs an image's health check here, with the env the image gives it; resolves to its exit code. */
async function runHealthCheck(stage: string, env: Record<string, string>): Promise<number> {
  const [command, ...args] = healthCheckOf(stage);
  expect(command).toBe("node");
  try {
    await run(process.execPath, args, { env: { ...process.env, ...env }, timeout: 10_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? 1;
  }
}

describe("Mentator's /state/version", () => {
  it("answers on the gateway before any worker: version and build, no backend, no models", async () => {
    const state = await curlF(`${stack.baseUrl}/state/version`);
    expect(state).toEqual({ service: "gateway", version: GATEWAY_VERSION, build: "test-build", backend: null, backends: [], models: [] });
  });

  it("names the fleet's compute backend and loaded models on the gateway, and the worker's own on its metrics port", async () => {
    worker = await stack.startWorker({ METRICS_PORT: "0" });
    const gateway = await curlF(`${stack.baseUrl}/state/version`);
    expect(gateway).toMatchObject({ service: "gateway", backend: "cpu", backends: ["cpu"], models: [BUNDLED_MODEL] });
    const own = await curlF(`${worker.worker.metricsUrl}/state/version`);
    expect(own).toMatchObject({ service: "inference", version: expect.stringMatching(/^\d+\.\d+\.\d+/), build: "dev", backend: "cpu", backends: ["cpu"], models: [BUNDLED_MODEL] });
  });

  // The workers' images check readiness instead: healthy once their models are loaded, not merely up.
  it("is what the gateway's image checks its health with; the workers' images check their models are loaded", async () => {
    expect(healthCheckOf("gateway").join(" ")).toContain("/state/version");
    expect(healthCheckOf("runtime-inference").join(" ")).toContain("/readyz");
    const port = new URL(stack.baseUrl).port;
    expect(await runHealthCheck("gateway", { GATEWAY_PORT: port })).toBe(0);
    expect(await runHealthCheck("runtime-inference", { METRICS_PORT: new URL(worker.worker.metricsUrl!).port })).toBe(0);
    // Nothing listening: unhealthy.
    expect(await runHealthCheck("gateway", { GATEWAY_PORT: "1" })).not.toBe(0);
  });

  it("answers other methods in each surface's error shape", async () => {
    const gateway = await fetch(`${stack.baseUrl}/state/version`, { method: "POST" });
    expect(gateway.status).toBe(404);
    expect(await gateway.json()).toMatchObject({ error: { type: "invalid_request_error", code: "unknown_url" } });
    const metrics = await fetch(`${worker.worker.metricsUrl}/state/version`, { method: "POST" });
    expect(metrics.status).toBe(405);
    expect(await metrics.json()).toEqual({ status: "method_not_allowed" });
  });
});
