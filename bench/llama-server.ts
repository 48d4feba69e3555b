import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { freePort } from "@lantern/shared/nats";
import { repoRoot } from "../scripts/local-stack.js";

/** The first `name` on PATH that can be run, if any. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const BUILD_DIR = join(repoRoot, ".data", "llama.cpp");
const BUILT_BINARY = join(BUILD_DIR, "build", "bin", "llama-server");

/**
 * llama.cpp's `llama-server`, the anchor the benchmarks compare with: `LLAMA_SERVER`, else one on
 * PATH, else one built earlier into `.data/llama.cpp`; with `build`, built there from the
 * llama.cpp source node-llama-cpp ships (a git bundle in node_modules; nothing is downloaded,
 * about 8 minutes on 2 cores). Undefined when there is none and `build` is false.
 */
export function locateLlamaServer({ build = false } = {}): string | undefined {
  const found = process.env.LLAMA_SERVER || findOnPath("llama-server") || (existsSync(BUILT_BINARY) ? BUILT_BINARY : undefined);
  if (found || !build) return found;
  const bundle = join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
  const run = (cmd: string, args: string[], cwd?: string) => {
    console.log(`$ ${cmd} ${args.join(" ")}`);
    const res = spawnSync(cmd, args, { cwd, stdio: "inherit" });
    if (res.status !== 0) throw new Error(`${cmd} failed (exit ${res.status})`);
  };
  mkdirSync(join(repoRoot, ".data"), { recursive: true });
  if (!existsSync(join(BUILD_DIR, "CMakeLists.txt"))) run("git", ["clone", "--quiet", bundle, BUILD_DIR]);
  run("cmake", ["-B", "build", "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF"], BUILD_DIR);
  run("cmake", ["--build", "build", "-j2", "--target", "llama-server"], BUILD_DIR);
  return BUILT_BINARY;
}

export interface LlamaServer {
  baseUrl: string;
  process: ChildProcess;
  stop(): void;
}

/** Starts `llama-server` on the model with `slots` parallel slots of `contextSize` tokens each, and waits until it is healthy. */
export async function startLlamaServer(
  binary: string,
  opts: { modelPath: string; slots: number; threads: number; contextSize: number; extraArgs?: string[] },
): Promise<LlamaServer> {
  const port = await freePort();
  const child = spawn(
    binary,
    [
      ...["-m", opts.modelPath, "--port", String(port), "--host", "127.0.0.1"],
      ...["-np", String(opts.slots), "-t", String(opts.threads), "-c", String(opts.contextSize * opts.slots)],
      ...(opts.extraArgs ?? []),
    ],
    { stdio: "ignore" },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () => void child.kill("SIGTERM");
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}`);
    const healthy = await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error("llama-server did not become healthy in 60 s");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseUrl, process: child, stop };
}

export interface LlamaServerFigures {
  tokensPerSecond: number;
  rounds: number;
}

/**
 * One llama.cpp `llama-server` process on the model with `streams` parallel slots, driven with
 * `streams` concurrent non-streamed completions per round: the reference the full stack is held
 * against. Tokens are what the server reports in `usage`.
 */
export async function measureLlamaServer(
  binary: string,
  opts: { modelPath: string; streams: number; threads: number; prompt: string; tokens: number; rounds: number },
): Promise<LlamaServerFigures> {
  const server = await startLlamaServer(binary, { modelPath: opts.modelPath, slots: opts.streams, threads: opts.threads, contextSize: 2048 });
  try {
    const one = async () => {
      const res = await fetch(`${server.baseUrl}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: opts.prompt, max_tokens: opts.tokens, temperature: 0, seed: 1 }),
      });
      const body = (await res.json()) as { usage?: { completion_tokens?: number } };
      return body.usage?.completion_tokens ?? 0;
    };
    await Promise.all(Array.from({ length: opts.streams }, one));
    let tokens = 0;
    let wallMs = 0;
    for (let round = 0; round < opts.rounds; round++) {
      const started = performance.now();
      const counts = await Promise.all(Array.from({ length: opts.streams }, one));
      wallMs += performance.now() - started;
      tokens += counts.reduce((a, b) => a + b, 0);
    }
    return { tokensPerSecond: (tokens / wallMs) * 1000, rounds: opts.rounds };
  } finally {
    server.stop();
  }
}
