/**
 * A stack started exactly as a user starts it: `node scripts/start.mjs` (built JavaScript), or
 * `node --import tsx scripts/stack.ts` (every process compiling TypeScript at run time, as before
 * the build), in a data dir of its own, with its processes read from the state file it keeps.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { freePort } from "@lantern/shared/nats";
import { repoRoot } from "../scripts/local-stack.js";
import { readStackState } from "../scripts/supervisor/state-file.js";

export interface NpmStack {
  baseUrl: string;
  adminUrl: string;
  /** Seconds from the command's start to "Lantern is ready". */
  readySeconds: number;
  /** The supervisor and each child by name, as the state file has them now. */
  pids(): Map<string, number>;
  stop(): Promise<void>;
}

export async function startNpmStack(opts: { dataDir: string; source: "built" | "tsx"; env: NodeJS.ProcessEnv; onLine?: (line: string) => void }): Promise<NpmStack> {
  const args = opts.source === "built" ? [join(repoRoot, "scripts", "start.mjs")] : ["--import", createRequire(import.meta.url).resolve("tsx"), join(repoRoot, "scripts", "stack.ts")];
  const env = {
    ...process.env,
    LANTERN_DATA_DIR: opts.dataDir,
    GATEWAY_PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    LANTERN_WORKER_METRICS_PORT: "0",
    ...opts.env,
  };
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const readySeconds = await new Promise<number>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output = (output + text).slice(-20_000);
      for (const line of text.split("\n")) if (line) opts.onLine?.(line);
      if (output.includes("Lantern is ready")) resolve((performance.now() - started) / 1000);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`the stack exited before it was ready:\n${output.slice(-4_000)}`)));
  });
  const state = readStackState(opts.dataDir)!;
  return {
    baseUrl: state.gatewayUrl,
    adminUrl: state.adminUrl!,
    readySeconds,
    pids() {
      const now = readStackState(opts.dataDir) ?? state;
      return new Map([["supervisor", now.supervisorPid], ...now.children.map((c) => [c.name, c.pid] as [string, number])]);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
