import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { freePort } from "@lantern/shared/nats";

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
  const port = await freePort();
  const child = spawn(
    binary,
    ["-m", opts.modelPath, "--port", String(port), "--host", "127.0.0.1", "-np", String(opts.streams), "-t", String(opts.threads), "-c", String(2048 * opts.streams)],
    { stdio: "ignore" },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}`);
      const healthy = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (healthy) break;
      if (Date.now() > deadline) throw new Error("llama-server did not become healthy in 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    const one = async () => {
      const res = await fetch(`${base}/v1/completions`, {
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
    child.kill("SIGTERM");
  }
}
