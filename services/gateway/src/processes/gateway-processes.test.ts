import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sampleValue } from "@lantern/shared/testing";
import { repoRoot, startTestStack, waitFor, type SpawnedGateway, type TestStack } from "../../../../test/harness/test-stack.js";

/*
 * GATEWAY_PROCESSES=2: one port, two whole gateway processes under a primary. Each request goes
 * over a new connection, so the primary hands them out in turn.
 */

let stack: TestStack;
let gateway: SpawnedGateway;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "off" } });
  gateway = await stack.spawnGateway({ GATEWAY_PROCESSES: "2" });
  await waitFor(() => gateway.logs.filter((l) => l.msg === "gateway listening").length === 2, 30_000, "both gateway processes listening");
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** GET over a connection of its own (no keep-alive), so the next request may land on another process. */
function getOnNewConnection(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}${path}`, { agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const servedBy = (requestLines: Array<Record<string, unknown>>) => new Set(requestLines.map((l) => l.gatewayId));
const requestLines = () => gateway.logs.filter((l) => l.msg === "request" && l.path === "/v1/models");
const startedPids = () => gateway.logs.filter((l) => l.msg === "gateway process started").map((l) => Number(l.pid));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it("serves from every process on the one port, and /metrics counts the requests of all of them", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await getOnNewConnection("/v1/models")).status);
  expect(statuses.every((s) => s === 200)).toBe(true);
  await waitFor(() => requestLines().length === 20, 10_000, "the request log lines");
  expect(servedBy(requestLines()).size).toBe(2);

  // Whichever process answers the scrape, it reports the series of both.
  for (let i = 0; i < 2; i++) {
    const metrics = await getOnNewConnection("/metrics");
    expect(metrics.status).toBe(200);
    expect(sampleValue(metrics.body, "lantern_http_requests_total", { route: "/v1/models", status: "200" })).toBe(20);
  }
});

it("replaces a process that dies, and the other serves meanwhile", async () => {
  const [victim] = startedPids();
  process.kill(victim!, "SIGKILL");
  await waitFor(() => gateway.logs.some((l) => l.msg === "gateway process died; starting another" && l.pid === victim), 10_000, "the primary seeing the death");
  for (let i = 0; i < 6; i++) expect((await getOnNewConnection("/v1/models")).status).toBe(200);

  // While the replacement starts, scrapes are answered at once, without it.
  await waitFor(() => startedPids().length === 3, 10_000, "the replacement starting");
  const startedAt = Date.now();
  const scrape = await getOnNewConnection("/metrics");
  expect(scrape.status).toBe(200);
  expect(Date.now() - startedAt).toBeLessThan(2_000);
  expect(gateway.logs.filter((l) => l.msg === "gateway listening")).toHaveLength(2);

  await waitFor(() => gateway.logs.filter((l) => l.msg === "gateway listening").length === 3, 30_000, "the replacement listening");
  const before = new Set(requestLines().map((l) => l.gatewayId));
  for (let i = 0; i < 10; i++) expect((await getOnNewConnection("/v1/models")).status).toBe(200);
  await waitFor(() => requestLines().length === 36, 10_000, "the request log lines");
  const replacement = [...servedBy(requestLines().slice(-10))].filter((id) => !before.has(id));
  expect(replacement).toHaveLength(1);
});

it("stops every process on SIGTERM and exits 0", async () => {
  const pids = startedPids().filter(alive);
  expect(pids).toHaveLength(2);
  gateway.process.kill("SIGTERM");
  await gateway.exited;
  expect(gateway.process.exitCode).toBe(0);
  expect(gateway.logs.filter((l) => l.msg === "gateway stopped")).toHaveLength(2);
  await waitFor(() => pids.every((pid) => !alive(pid)), 5_000, "no gateway process left");
});

it("leaves no gateway process behind when the primary is killed outright", async () => {
  const orphaned = await stack.spawnGateway({ GATEWAY_PROCESSES: "2" });
  await waitFor(() => orphaned.logs.filter((l) => l.msg === "gateway listening").length === 2, 30_000, "both gateway processes listening");
  const pids = orphaned.logs.filter((l) => l.msg === "gateway process started").map((l) => Number(l.pid));
  orphaned.process.kill("SIGKILL");
  await orphaned.exited;
  await waitFor(() => pids.every((pid) => !alive(pid)), 20_000, "the gateway processes leaving");
}, 60_000);

it("exits 1 when its processes cannot listen, leaving none behind", async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, "services/gateway/src/main.ts")], {
      cwd: repoRoot,
      env: { ...process.env, NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, GATEWAY_PORT: String(port), GATEWAY_PROCESSES: "2", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let errors = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr!.on("data", (chunk: Buffer) => (errors += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(1);
    expect(output).toContain("the gateway could not start");
    expect(errors).toContain("EADDRINUSE");
    const pids = [...output.matchAll(/"pid":(\d+),"msg":"gateway process started"/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every((pid) => !alive(pid)), 5_000, "no gateway process left");
  } finally {
    taken.close();
  }
}, 60_000);
