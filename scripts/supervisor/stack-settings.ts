/** What `npm start` runs, from its arguments and the environment. */
import { join } from "node:path";

export const DEFAULT_GATEWAY_PORT = 8002;
export const DEFAULT_ADMIN_PORT = 8001;
/** The first worker's metrics port (the port the images use); the next workers count up from it. */
export const DEFAULT_WORKER_METRICS_PORT = 9464;
const MAX_WORKERS = 64;

export const START_USAGE = "usage: npm start [-- --workers N]   (or LANTERN_WORKERS=N): N inference workers on this machine (default 1)";

export interface StackSettings {
  workers: number;
  dataDir: string;
  /** Set: use this NATS server; unset or empty: start a local nats-server. */
  natsUrl: string | undefined;
  gatewayHost: string;
  gatewayPort: number;
  adminHost: string;
  adminPort: number;
  /** LANTERN_WORKER_METRICS_PORT: the first worker's metrics port, the next ones above it; 0: any free ports. */
  workerMetricsPort: number;
  /** LANTERN_BUILT_DIR: run the services' bundles instead of their TypeScript source. */
  builtDir: string | undefined;
}

export class SettingsError extends Error {
  override name = "SettingsError";
}

function positiveInt(text: string, what: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max) throw new SettingsError(`${what} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

function port(text: string | undefined, fallback: number, what: string, min = 1): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > 65_535) throw new SettingsError(`${what} must be a port number, got ${JSON.stringify(text)}`);
  return value;
}

/** LANTERN_DATA_DIR, or .data in the checkout: where the stack keeps its data and its state file. */
export function stackDataDir(env: NodeJS.ProcessEnv, repoRoot: string): string {
  return env.LANTERN_DATA_DIR || join(repoRoot, ".data");
}

export function stackSettings(args: readonly string[], env: NodeJS.ProcessEnv, repoRoot: string): StackSettings {
  let workersText = env.LANTERN_WORKERS || undefined;
  let workersFrom = "LANTERN_WORKERS";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--workers" || arg === "-w") {
      workersText = args[++i] ?? "";
      workersFrom = "--workers";
    } else if (arg.startsWith("--workers=")) {
      workersText = arg.slice("--workers=".length);
      workersFrom = "--workers";
    } else {
      throw new SettingsError(`unknown argument ${JSON.stringify(arg)}\n${START_USAGE}`);
    }
  }
  return {
    workers: workersText === undefined ? 1 : positiveInt(workersText, workersFrom, MAX_WORKERS),
    dataDir: stackDataDir(env, repoRoot),
    natsUrl: env.NATS_URL || undefined,
    gatewayHost: env.GATEWAY_HOST || "127.0.0.1",
    gatewayPort: port(env.GATEWAY_PORT, DEFAULT_GATEWAY_PORT, "GATEWAY_PORT"),
    adminHost: env.ADMIN_HOST || "127.0.0.1",
    adminPort: port(env.ADMIN_PORT, DEFAULT_ADMIN_PORT, "ADMIN_PORT"),
    workerMetricsPort: port(env.LANTERN_WORKER_METRICS_PORT, DEFAULT_WORKER_METRICS_PORT, "LANTERN_WORKER_METRICS_PORT", 0),
    builtDir: env.LANTERN_BUILT_DIR || undefined,
  };
}
