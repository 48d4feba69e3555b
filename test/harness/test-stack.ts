import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { loadInferenceConfig, startWorker, type RunningWorker } from "@lantern/inference";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { capturingLogger } from "./log-capture.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUNDLED_MODEL = "stories260K";

/** Worker settings for tests: the bundled model, few slots, quick redelivery. */
const workerDefaults = {
  MODELS_DIR: join(repoRoot, "models"),
  INFERENCE_SLOTS: "2",
  INFERENCE_THREADS: "1",
  INFERENCE_ACK_WAIT_MS: "2000",
  INFERENCE_HEARTBEAT_MS: "500",
  LOG_LEVEL: "info",
};

export interface InProcessWorker {
  worker: RunningWorker;
  logs: Array<Record<string, unknown>>;
}

export interface SpawnedWorker {
  process: ChildProcess;
  workerId: string;
  logs: Array<Record<string, unknown>>;
  exited: Promise<void>;
}

export interface SpawnedGateway {
  process: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  exited: Promise<void>;
}

export interface TestStack {
  nats: TestNats;
  gateway: RunningGateway;
  baseUrl: string;
  gatewayLogs: Array<Record<string, unknown>>;
  startWorker(env?: Record<string, string>): Promise<InProcessWorker>;
  spawnWorker(env?: Record<string, string>): Promise<SpawnedWorker>;
  /** A second gateway on the same NATS namespace, as a child process a test can kill. */
  spawnGateway(env?: Record<string, string>): Promise<SpawnedGateway>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  gatewayEnv?: Record<string, string>;
  /** A NATS the test controls (to stop and restart it); by default one from useTestNats. */
  nats?: TestNats;
}

interface SpawnedService {
  process: ChildProcess;
  logs: Array<Record<string, unknown>>;
  exited: Promise<void>;
  /** The first log line that `ready` accepts. */
  ready: Promise<Record<string, unknown>>;
}

/** A spawned service not ready by then is reported with its last log lines. */
const READY_TIMEOUT_MS = 45_000;

/** Runs a service's `main.ts` under tsx; its JSON log lines are collected from stdout. */
function spawnService(main: string, env: Record<string, string>, ready: (line: Record<string, unknown>) => boolean): SpawnedService {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, main)], {
    cwd: repoRoot,
    // JSON whatever the shell running the tests has set: these lines are parsed.
    env: { ...process.env, LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const readyLine = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      logs.push(entry);
      if (ready(entry)) resolve(entry);
    });
    void exited.then(() => reject(new Error(`${main} exited before it was ready`)));
    // Within the file's hook timeout, saying how far it got, rather than the hook timing out mute.
    const slow = setTimeout(() => {
      const last = logs.slice(-8).map((l) => `${String(l.msg)}${l.err ? ` (${JSON.stringify(l.err).slice(0, 200)})` : ""}`);
      reject(new Error(`${main} not ready after ${READY_TIMEOUT_MS} ms; its last log lines: ${JSON.stringify(last)}`));
    }, READY_TIMEOUT_MS);
    slow.unref();
    void exited.finally(() => clearTimeout(slow));
  });
  return { process: child, logs, exited, ready: readyLine };
}

/**
 * A real stack for one test file: NATS (its own namespace), a gateway in this process, and
 * workers either in this process or as child processes that a test can kill.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const nats = options.nats ?? (await useTestNats());
  const base = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
  const gatewayCapture = capturingLogger("gateway");
  const gateway = await startGateway(
    loadGatewayConfig({ ...base, GATEWAY_PORT: "0", WORKER_HEARTBEAT_TTL_MS: "3000", ...options.gatewayEnv }),
    gatewayCapture.logger,
  );
  const inProcess: RunningWorker[] = [];
  const spawned: Array<{ process: ChildProcess; exited: Promise<void> }> = [];

  return {
    nats,
    gateway,
    baseUrl: gateway.url,
    gatewayLogs: gatewayCapture.lines,
    async startWorker(env = {}) {
      const capture = capturingLogger("inference");
      const worker = await startWorker(loadInferenceConfig({ ...base, ...workerDefaults, ...env }), capture.logger);
      inProcess.push(worker);
      await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).ok);
      return { worker, logs: capture.lines };
    },
    async spawnWorker(env = {}) {
      const service = spawnService("services/inference/src/main.ts", { ...base, ...workerDefaults, ...env }, (l) => l.msg === "worker ready");
      const workerId = String((await service.ready).workerId);
      const handle = { process: service.process, workerId, logs: service.logs, exited: service.exited };
      spawned.push(handle);
      return handle;
    },
    async spawnGateway(env = {}) {
      const service = spawnService(
        "services/gateway/src/main.ts",
        { ...base, GATEWAY_PORT: "0", WORKER_HEARTBEAT_TTL_MS: "3000", LOG_LEVEL: "info", ...options.gatewayEnv, ...env },
        (l) => l.msg === "gateway listening",
      );
      const url = String((await service.ready).url);
      const handle = { process: service.process, url, logs: service.logs, exited: service.exited };
      spawned.push(handle);
      return handle;
    },
    async stop() {
      for (const w of spawned) {
        if (w.process.exitCode === null && w.process.signalCode === null) {
          w.process.kill("SIGTERM");
          await w.exited;
        }
      }
      await gateway.stop(1_000);
      for (const w of inProcess) await w.stop();
      await nats.stop();
    },
  };
}

export { waitFor };
