// The processes the gateway benchmark measures: bench servers (the fast upstream, the bare proxy)
// and the gateway itself, each a TypeScript entry run under tsx.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { freePort } from "@lantern/shared/nats";
import { GATEWAY_NODE_FLAGS, repoRoot } from "../../scripts/local-stack.js";

export interface Child {
  process: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}

function spawnTs(script: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void, nodeFlags: readonly string[] = [], args: readonly string[] = []): Child {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, [...nodeFlags, "--import", tsx, join(repoRoot, script), ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", onLine);
  return {
    process: child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Runs a bench server script that prints `{"port":N}` once listening; resolves to its origin. */
export async function startBenchServer(script: string, args: readonly string[] = []): Promise<{ child: Child; origin: string }> {
  let resolvePort!: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  const child = spawnTs(script, process.env, (line) => {
    const parsed = JSON.parse(line) as { port?: number };
    if (parsed.port) resolvePort(parsed.port);
  }, [], args);
  return { child, origin: `http://127.0.0.1:${await port}` };
}

export async function startGatewayProcess(natsUrl: string, namespace: string): Promise<{ child: Child; baseUrl: string }> {
  const port = await freePort();
  const env = {
    ...process.env,
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  };
  // BENCH_GATEWAY_NODE_FLAGS adds node flags for the gateway alone (e.g. `--cpu-prof`).
  const extraFlags = process.env.BENCH_GATEWAY_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawnTs(
    "services/gateway/src/main.ts",
    env,
    (line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[gateway] ${line}`);
    },
    [...GATEWAY_NODE_FLAGS, ...extraFlags],
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the gateway did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, baseUrl };
}
