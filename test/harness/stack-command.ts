/**
 * `npm start` (or the supervisor's entry) as a user runs it, for the tests of the supervisor: in its
 * own process group, on free ports, with its own data dir and its own nats-server; `cleanup()` kills
 * whatever is left of it (the group, and every child its state file names) even when a test failed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { freePort } from "@lantern/shared/nats";
import { repoRoot } from "./test-stack.js";

export interface StackState {
  supervisorPid: number;
  natsUrl: string;
  gatewayUrl: string;
  adminUrl: string;
  children: { name: string; pid: number }[];
}

export interface StackCommand {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  /** Resolves once its output has ended too: every line it printed is in `output` (exit can come first). */
  closed: Promise<void>;
  dataDir: string;
  env: Record<string, string>;
  baseUrl: string;
  adminUrl: string;
  /** Resolves once a line containing `text` was printed; rejects when the process exits first or after `timeoutMs`. */
  waitForLine(text: string, timeoutMs?: number): Promise<void>;
  /** The state file as it is now (undefined when there is none). */
  state(): StackState | undefined;
  /** Every pid the state files seen so far named. */
  pidsSeen(): Set<number>;
  cleanup(): void;
}

const tsx = createRequire(import.meta.url).resolve("tsx");

export interface StackCommandOptions {
  /** `npm`: `npm start -- <args>`, what users type; `entry`: the supervisor's entry under tsx (no install or web checks). */
  via?: "npm" | "entry";
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a data dir (a second stack after the first). */
  dataDir?: string;
}

export async function startStackCommand({ via = "entry", args = [], env = {}, dataDir }: StackCommandOptions = {}): Promise<StackCommand> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "lantern-stack-"));
  const gatewayPort = await freePort();
  const adminPort = await freePort();
  const stackEnv: Record<string, string> = {
    // Its own nats-server (the system one holds 4222), embedded PGlite under its data dir, any free metrics ports.
    NATS_URL: "",
    DATABASE_URL: "",
    ADMIN_TOKEN: "",
    LANTERN_DATA_DIR: dir,
    GATEWAY_PORT: String(gatewayPort),
    ADMIN_PORT: String(adminPort),
    LANTERN_WORKER_METRICS_PORT: "0",
    LANTERN_WORKERS: "",
    npm_config_update_notifier: "false",
    ...env,
  };
  const [command, commandArgs] =
    via === "npm" ? ["npm", ["start", "--silent", "--", ...args]] : [process.execPath, ["--import", tsx, join(repoRoot, "scripts/stack.ts"), ...args]];
  const child = spawn(command, commandArgs, { cwd: repoRoot, env: { ...process.env, ...stackEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      for (const wake of waiters) wake();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const seen = new Set<number>();
  const state = (): StackState | undefined => {
    try {
      const current = JSON.parse(readFileSync(join(dir, "stack.json"), "utf8")) as StackState;
      seen.add(current.supervisorPid);
      for (const c of current.children) seen.add(c.pid);
      return current;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    output,
    exited,
    closed,
    dataDir: dir,
    env: stackEnv,
    baseUrl: `http://127.0.0.1:${gatewayPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    waitForLine(text, timeoutMs = 150_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.some((l) => l.includes(text))) done(resolve);
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no line with ${JSON.stringify(text)} within ${timeoutMs / 1000} s:\n${output.slice(-30).join("\n")}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        void exited.then((code) => done(() => reject(new Error(`exited (code ${code}) before a line with ${JSON.stringify(text)}:\n${output.slice(-30).join("\n")}`))));
        waiters.add(check);
        check();
      });
    },
    state,
    pidsSeen: () => {
      state();
      return seen;
    },
    cleanup() {
      state();
      for (const pid of [child.pid!, ...seen]) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // gone already
          }
        }
      }
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (await check()) return true;
  }
  return check();
}

export async function completion(baseUrl: string, prompt: string, maxTokens = 16) {
  const res = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "stories260K", prompt, max_tokens: maxTokens, temperature: 0 }),
  });
  const body = (await res.json()) as { choices?: { text: string }[] };
  return { status: res.status, worker: res.headers.get("x-lantern-worker"), text: body.choices?.[0]?.text ?? "" };
}
