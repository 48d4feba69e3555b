/**
 * Starts NATS (unless a URL is given), one gateway, one inference worker and (when asked) the model
 * fetcher, the orchestrator and the admin service as child processes, and stops them in order: edge
 * first, then workers (they finish what they hold), the orchestrator (its runs continue from their
 * checkpoints later), the fetcher (its partial downloads resume later), then admin (it stores the
 * last usage events), then NATS.
 * Used by `npm start` and by the benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { NATS_SERVER_INSTALL_HINT, findNatsServer, startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Node flags for the gateway process: `--expose-gc` lets it collect once when a burst of traffic
 * ends, so its memory comes back down instead of staying at the burst's peak (see
 * services/gateway/src/memory/idle-collection.ts). `--max-semi-space-size=64` (MiB) gives V8's young
 * generation room for the short-lived objects of many requests in flight: fewer scavenges, fewer
 * survivors copied, 10-14% less CPU per proxied request under load (README, Gateway overhead).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--expose-gc", "--max-semi-space-size=64"];

export interface StackProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface LocalStackOptions {
  natsUrl?: string;
  natsDataDir: string;
  gatewayHost: string;
  gatewayPort: number;
  /** Extra env for both services (namespace, log level, ...). */
  env?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
  /** Also start the admin service (keys, providers, routes, prices; PGlite under `dataDir` unless DATABASE_URL). */
  admin?: { host: string; port: number; dataDir: string };
  /** Also start the model fetcher (pulls from Hugging Face into the models dir). */
  fetcher?: boolean;
  /** Also start the orchestrator (pipelines; PGlite under `dataDir` unless DATABASE_URL). */
  orchestrator?: { dataDir: string };
  /** Inference worker processes to start (default 1). */
  workers?: number;
  /** Each log line of each service, with its name. */
  onLine?: (service: string, line: string) => void;
  /** A service stopped while the stack was meant to run. */
  onUnexpectedExit?: (service: string, code: number | null) => void;
}

export interface LocalStack {
  baseUrl: string;
  /** Set when the admin service was started. */
  adminUrl: string | undefined;
  natsUrl: string;
  processes: StackProcess[];
  /** Resolves true once the gateway's /readyz (and the admin's /api/health, if started) answer 200. */
  waitReady(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export class NatsServerMissingError extends Error {
  override name = "NatsServerMissingError";
  constructor() {
    super(NATS_SERVER_INSTALL_HINT);
  }
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  let nats: LocalNatsServer | undefined;
  let natsUrl = opts.natsUrl;
  if (!natsUrl) {
    if (!findNatsServer()) throw new NatsServerMissingError();
    nats = await startLocalNatsServer({ dataDir: opts.natsDataDir, port: 4222, detached: true });
    natsUrl = nats.url;
  }
  let stopping = false;
  const startService = (name: string, entry: string, env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): StackProcess => {
    const child = spawn(process.execPath, [...nodeFlags, "--import", tsx, entry], {
      cwd: repoRoot,
      env: { ...process.env, NATS_URL: natsUrl, ...opts.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => opts.onLine?.(name, line));
    }
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    void exited.then((code) => {
      if (!stopping) opts.onUnexpectedExit?.(name, code);
    });
    return { name, child, exited };
  };

  const workerCount = opts.workers ?? 1;
  const processes = [
    ...(opts.admin
      ? [
          startService("admin", "services/admin/src/main.ts", {
            ADMIN_HOST: opts.admin.host,
            ADMIN_PORT: String(opts.admin.port),
            LANTERN_DATA_DIR: opts.admin.dataDir,
            // BricksLLM's custom provider of the local model, so its clients' calls reach the fleet.
            ADMIN_FLEET_PROVIDERS: process.env.ADMIN_FLEET_PROVIDERS ?? "llama-cpp-root",
          }),
        ]
      : []),
    ...(opts.fetcher ? [startService("model-fetcher", "services/model-fetcher/src/main.ts", { MODELS_DIR: join(repoRoot, "models") })] : []),
    ...(opts.orchestrator ? [startService("orchestrator", "services/orchestrator/src/main.ts", { LANTERN_DATA_DIR: opts.orchestrator.dataDir })] : []),
    ...Array.from({ length: workerCount }, (_, i) =>
      startService(workerCount === 1 ? "inference" : `inference-${i + 1}`, "services/inference/src/main.ts", {
        MODELS_DIR: join(repoRoot, "models"),
        ...opts.workerEnv,
      }),
    ),
    startService(
      "gateway",
      "services/gateway/src/main.ts",
      {
        GATEWAY_HOST: opts.gatewayHost,
        GATEWAY_PORT: String(opts.gatewayPort),
        // The web app's keys page reaches the admin service through the gateway.
        ...(opts.admin ? { GATEWAY_ADMIN_URL: `http://${urlHost(opts.admin.host)}:${opts.admin.port}` } : {}),
      },
      GATEWAY_NODE_FLAGS,
    ),
  ];
  const baseUrl = `http://${opts.gatewayHost}:${opts.gatewayPort}`;
  const adminUrl = opts.admin ? `http://${urlHost(opts.admin.host)}:${opts.admin.port}` : undefined;
  const readinessUrls = [`${baseUrl}/readyz`, ...(adminUrl ? [`${adminUrl}/api/health`] : [])];

  const stopProcess = async (p: StackProcess) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill("SIGTERM");
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 35_000);
    await p.exited;
    clearTimeout(timer);
  };

  return {
    baseUrl,
    adminUrl,
    natsUrl,
    processes,
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const pending = new Set(readinessUrls);
      while (Date.now() < deadline && !stopping) {
        for (const url of pending) {
          try {
            if ((await fetch(url)).ok) pending.delete(url);
          } catch {
            // not listening yet
          }
        }
        if (pending.size === 0) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    },
    async stop() {
      stopping = true;
      for (const p of [...processes].reverse()) await stopProcess(p);
      await nats?.stop();
    },
  };
}

/** Where to reach a service bound to `host`: a wildcard bind is reached on loopback, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
