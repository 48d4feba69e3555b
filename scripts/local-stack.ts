/**
 * Starts NATS (unless a URL is given), one gateway, N inference workers and (when asked) the model
 * fetcher, the orchestrator and the admin service as children of one supervisor, which restarts a
 * child that dies and stops them in order: edge first, then workers (they finish what they hold),
 * the orchestrator (its runs continue from their checkpoints later), the fetcher (its partial
 * downloads resume later), then admin (it stores the last usage events), then NATS.
 * Used by `npm start` (scripts/stack.ts) and by the benchmarks.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { NATS_SERVER_INSTALL_HINT, findNatsServer, freePort } from "@lantern/shared/nats/local-server";
import type { BackoffOptions } from "./supervisor/backoff.js";
import type { ChildSpec } from "./supervisor/child-process.js";
import { exitWithParentCommand, natsServerArgs, waitNatsAccepting } from "./supervisor/nats-child.js";
import { PARENT_WATCHDOG_IMPORT } from "./supervisor/parent-watchdog.js";
import { repoRoot } from "./supervisor/repo-root.js";
import { serviceCommand, type ServiceName } from "./supervisor/service-command.js";
import { startFetcherOnDemand, type FetcherOnDemand } from "./supervisor/fetcher-on-demand.js";
import { Supervisor, type SupervisedChild } from "./supervisor/supervisor.js";
import { waitHealthy } from "./supervisor/wait-healthy.js";

export { GATEWAY_NODE_FLAGS } from "./supervisor/service-command.js";
export { repoRoot } from "./supervisor/repo-root.js";


/** How long a child may take to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 35_000;
/** A fetcher started for a pull exits after this long without one (FETCHER_EXIT_WHEN_IDLE_MS overrides). */
const FETCHER_IDLE_MS = 5 * 60_000;

export interface StackProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface StackWorker {
  name: string;
  metricsUrl: string | undefined;
  metricsPort: number | undefined;
}

export interface LocalStackOptions {
  natsUrl?: string | undefined;
  natsDataDir: string;
  gatewayHost: string;
  gatewayPort: number;
  /** Extra env for every service (namespace, log level, log format, ...). */
  env?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
  /** Also start the admin service (keys, providers, routes, prices; PGlite under `dataDir` unless DATABASE_URL). */
  admin?: { host: string; port: number; dataDir: string };
  /**
   * Also run the model fetcher (pulls from Hugging Face into the models dir): `true` from the start,
   * `"on-demand"` once there is a pull for it (scripts/supervisor/fetcher-on-demand.ts).
   */
  fetcher?: boolean | "on-demand";
  /** Also start the orchestrator (pipelines; PGlite under `dataDir` unless DATABASE_URL). */
  orchestrator?: { dataDir: string };
  /** Inference worker processes to start (default 1), named inference-1..N. */
  workers?: number;
  /** Gives each worker its own metrics server: `basePort` + its index when that is free, else (or with 0) any free port. */
  workerMetrics?: { host: string; basePort: number };
  /** LANTERN_BUILT_DIR: run the services' bundles instead of their TypeScript source. */
  builtDir?: string | undefined;
  /** Each log line of each service, with its name. */
  onLine?: (service: string, line: string) => void;
  /** The supervisor's own lines: which child exited, why, when it restarts. */
  log?: (message: string) => void;
  /** A child exited before the stack was ready: it cannot start. */
  onStartFailure?: (service: string, reason: string) => void;
  /** A child started, restarted or exited. */
  onChildrenChanged?: () => void;
  backoff?: BackoffOptions;
}

export interface LocalStack {
  baseUrl: string;
  /** Set when the admin service was started. */
  adminUrl: string | undefined;
  natsUrl: string;
  /** True when the stack started its own nats-server. */
  ownNats: boolean;
  /** The running processes now (a restarted child has a new one). */
  readonly processes: StackProcess[];
  workers: StackWorker[];
  /** Each running child's name, pid and command-line marker, in start order. */
  children(): SupervisedChild[];
  /**
   * Resolves true once the gateway's /readyz (and the admin's /api/health, if started) answer 200;
   * from then on a child that exits is restarted. False on timeout or when a child could not start.
   */
  waitReady(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
  /** SIGKILL to every child, for when stopping in order is not wanted. */
  kill(): void;
}

export class NatsServerMissingError extends Error {
  override name = "NatsServerMissingError";
  constructor() {
    super(NATS_SERVER_INSTALL_HINT);
  }
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  let startFailed = false;
  const log = (message: string) => (opts.log ?? ((m: string) => console.error(`[stack] ${m}`)))(message);
  const supervisor = new Supervisor(
    {
      onLine: (service, line) => opts.onLine?.(service, line),
      log,
      onChildrenChanged: () => opts.onChildrenChanged?.(),
      onStartFailure: (service, reason) => {
        startFailed = true;
        opts.onStartFailure?.(service, reason);
      },
    },
    opts.backoff,
  );
  let natsUrl = opts.natsUrl;
  const ownNats = !natsUrl;
  if (!natsUrl) {
    const bin = findNatsServer();
    if (!bin) throw new NatsServerMissingError();
    mkdirSync(opts.natsDataDir, { recursive: true });
    const url = `nats://127.0.0.1:${await freePort(4222)}`;
    await supervisor.add(natsSpec(bin, url, opts.natsDataDir));
    natsUrl = url;
  }

  const preloads = [PARENT_WATCHDOG_IMPORT];
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, MODELS_DIR: process.env.MODELS_DIR || join(repoRoot, "models"), NATS_URL: natsUrl, ...opts.env };
  const serviceSpec = (name: string, service: ServiceName, env: NodeJS.ProcessEnv, stopsWith?: string): ChildSpec => {
    const cmd = serviceCommand(service, { repoRoot, builtDir: opts.builtDir, preloads });
    // Its lines are shown under `[name]`: its readable lines need not name the service again.
    const supervised = { LANTERN_SUPERVISED_AS: service };
    return { name, command: cmd.command, args: cmd.args, env: { ...baseEnv, ...env, ...supervised }, cwd: repoRoot, marker: cmd.entry, stopsWith };
  };

  const adminUrl = opts.admin ? `http://${urlHost(opts.admin.host)}:${opts.admin.port}` : undefined;
  const specs: ChildSpec[] = [];
  const adminEnv = opts.admin && {
    ADMIN_HOST: opts.admin.host,
    ADMIN_PORT: String(opts.admin.port),
    LANTERN_DATA_DIR: opts.admin.dataDir,
    // BricksLLM's custom provider of the local model, so its clients' calls reach the fleet.
    ADMIN_FLEET_PROVIDERS: process.env.ADMIN_FLEET_PROVIDERS ?? "llama-cpp-root",
  };
  // On one embedded database, admin and the orchestrator share one process (PGlite is one process's).
  const together = sharesEmbeddedDatabase(opts, baseEnv);
  if (adminEnv && together) specs.push(serviceSpec("admin-orchestrator", "admin-orchestrator", adminEnv));
  else if (adminEnv) specs.push(serviceSpec("admin", "admin", adminEnv));
  if (opts.fetcher === true) specs.push(serviceSpec("model-fetcher", "model-fetcher", {}));
  if (opts.orchestrator && !together) specs.push(serviceSpec("orchestrator", "orchestrator", { LANTERN_DATA_DIR: opts.orchestrator.dataDir }));
  const workers = await planWorkers(opts.workers ?? 1, opts.workerMetrics);
  const workerId = opts.workerEnv?.WORKER_ID ?? process.env.WORKER_ID;
  for (const [i, worker] of workers.entries()) {
    const metricsEnv = worker.metricsPort === undefined ? {} : { METRICS_PORT: String(worker.metricsPort), METRICS_HOST: opts.workerMetrics!.host };
    // One WORKER_ID given for several workers: each its own, or their heartbeats would overwrite each other.
    const idEnv = workerId && workers.length > 1 ? { WORKER_ID: `${workerId}-${i + 1}` } : {};
    specs.push(serviceSpec(worker.name, "inference", { ...opts.workerEnv, ...metricsEnv, ...idEnv }, "workers"));
  }
  specs.push(
    serviceSpec("gateway", "gateway", {
      GATEWAY_HOST: opts.gatewayHost,
      GATEWAY_PORT: String(opts.gatewayPort),
      // The web app's keys page reaches the admin service through the gateway.
      ...(adminUrl ? { GATEWAY_ADMIN_URL: adminUrl } : {}),
    }),
  );
  for (const spec of specs) await supervisor.add(spec);
  const fetcherWatch: FetcherOnDemand | undefined =
    opts.fetcher === "on-demand"
      ? await startFetcherOnDemand({
          natsUrl,
          namespace: baseEnv.NATS_NAMESPACE,
          modelsDir: baseEnv.MODELS_DIR!,
          start: async (why) => {
            if (supervisor.isStopping) return;
            log(`starting the model fetcher: ${why}.`);
            const idleExit = { FETCHER_EXIT_WHEN_IDLE_MS: baseEnv.FETCHER_EXIT_WHEN_IDLE_MS || String(FETCHER_IDLE_MS) };
            const spec = { ...serviceSpec("model-fetcher", "model-fetcher", idleExit), onDone: () => void fetcherWatch?.fetcherDone() };
            await supervisor.add(spec).catch((err: unknown) => log((err as Error).message));
          },
        })
      : undefined;

  const baseUrl = `http://${urlHost(opts.gatewayHost)}:${opts.gatewayPort}`;
  // Each of this stack's own workers too: the gateway is ready once any worker serves a model, which
  // may be a worker of the previous run whose heartbeat has not expired yet.
  const workerReadiness = workers.flatMap((w) => (w.metricsUrl ? [w.metricsUrl.replace(/\/metrics$/, "/readyz")] : []));
  const readinessUrls = [`${baseUrl}/readyz`, ...(adminUrl ? [`${adminUrl}/api/health`] : []), ...workerReadiness];
  return {
    baseUrl,
    adminUrl,
    natsUrl,
    ownNats,
    get processes() {
      return supervisor.processes().map((p) => ({ name: p.spec.name, child: p.process, exited: p.exited.then((exit) => exit.code) }));
    },
    workers,
    children: () => supervisor.children(),
    async waitReady(timeoutMs) {
      const ready = await waitHealthy(readinessUrls, timeoutMs, () => startFailed || supervisor.isStopping);
      if (ready) supervisor.markReady();
      return ready;
    },
    async stop() {
      await fetcherWatch?.close();
      await supervisor.stop(STOP_GRACE_MS);
    },
    kill: () => supervisor.killAll(),
  };
}

/** Admin and the orchestrator on the same data dir with no Postgres server: one embedded database. */
function sharesEmbeddedDatabase(opts: LocalStackOptions, env: NodeJS.ProcessEnv): boolean {
  if (!opts.admin || !opts.orchestrator || opts.admin.dataDir !== opts.orchestrator.dataDir) return false;
  return !env.DATABASE_URL && !env.ORCHESTRATOR_DATABASE_URL;
}

function natsSpec(bin: string, url: string, dataDir: string): ChildSpec {
  const port = Number(new URL(url).port);
  const { command, args } = exitWithParentCommand(bin, natsServerArgs(port, dataDir));
  return {
    name: "nats",
    command,
    args,
    env: process.env,
    cwd: repoRoot,
    marker: "lantern-nats",
    stopsAsGroup: true,
    // Its start-up lines say nothing a user needs; its errors do.
    keepLine: (line) => /\[(ERR|FTL)\]/.test(line),
    started: (child) => waitNatsAccepting(url, 15_000, () => !child.running),
  };
}

/** Names inference-1..N, each with its own metrics port when asked. */
async function planWorkers(count: number, metrics: LocalStackOptions["workerMetrics"]): Promise<StackWorker[]> {
  const taken = new Set<number>();
  const workers: StackWorker[] = [];
  for (let i = 1; i <= count; i++) {
    let metricsPort: number | undefined;
    if (metrics) {
      metricsPort = await freePort(metrics.basePort > 0 ? metrics.basePort + i - 1 : undefined);
      while (taken.has(metricsPort)) metricsPort = await freePort();
      taken.add(metricsPort);
    }
    const metricsUrl = metricsPort === undefined ? undefined : `http://${urlHost(metrics!.host)}:${metricsPort}/metrics`;
    workers.push({ name: `inference-${i}`, metricsPort, metricsUrl });
  }
  return workers;
}

/** Where to reach a service bound to `host`: a wildcard bind is reached on loopback, IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
