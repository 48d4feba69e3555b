import { Agent, request } from "node:http";
import { readSseData } from "./http-client.js";

/** One streamed generation as a client saw it. */
export interface PromptResult {
  ttft: number;
  text: string;
  promptTokens: number;
  /** Prompt tokens the server took from its cache. */
  cachedTokens: number;
  /** The worker that served it (Lantern's `x-lantern-worker`); "" from llama-server. */
  worker: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** The two servers' streaming dialects: what to send, and what each event says. */
export interface Dialect {
  path: string;
  body(prompt: string, maxTokens: number, seed: number): Record<string, unknown>;
  /** Text of one event, and the prompt figures when the event carries them. */
  read(event: Record<string, unknown>): { text: string; prompt?: { tokens: number; cached: number } };
}

/** Lantern: OpenAI's `/v1/completions`, usage (with `cached_tokens`) in the last event. */
export const lanternDialect = (model: string): Dialect => ({
  path: "/v1/completions",
  body: (prompt, maxTokens, seed) => ({ model, prompt, max_tokens: maxTokens, temperature: 0.8, seed, stream: true, stream_options: { include_usage: true } }),
  read(event) {
    const e = event as { choices?: Array<{ text?: string }>; usage?: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } | null };
    const text = e.choices?.[0]?.text ?? "";
    if (!e.usage) return { text };
    return { text, prompt: { tokens: e.usage.prompt_tokens, cached: e.usage.prompt_tokens_details?.cached_tokens ?? 0 } };
  },
});

/** llama-server: its own `/completion`, whose last event has `timings` (prompt tokens evaluated, and taken from the cache). */
export const llamaServerDialect: Dialect = {
  path: "/completion",
  body: (prompt, maxTokens, seed) => ({ prompt, n_predict: maxTokens, temperature: 0.8, seed, stream: true, cache_prompt: true }),
  read(event) {
    const e = event as { content?: string; stop?: boolean; timings?: { prompt_n?: number; cache_n?: number } };
    const text = e.content ?? "";
    if (!e.stop || !e.timings) return { text };
    const evaluated = e.timings.prompt_n ?? 0;
    const cached = e.timings.cache_n ?? 0;
    return { text, prompt: { tokens: evaluated + cached, cached } };
  },
};

/**
 * Streams one generation and times its first text. A kept-alive connection the server closed
 * meanwhile (llama-server closes one after a few requests) is retried once on a new one.
 */
export async function streamPrompt(baseUrl: string, dialect: Dialect, prompt: string, maxTokens: number, seed: number): Promise<PromptResult> {
  try {
    return await streamOnce(baseUrl, dialect, prompt, maxTokens, seed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ECONNRESET") throw err;
    return streamOnce(baseUrl, dialect, prompt, maxTokens, seed);
  }
}

function streamOnce(baseUrl: string, dialect: Dialect, prompt: string, maxTokens: number, seed: number): Promise<PromptResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${dialect.path}`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      const result: PromptResult = { ttft: Number.NaN, text: "", promptTokens: 0, cachedTokens: 0, worker: String(res.headers["x-lantern-worker"] ?? "") };
      readSseData(res, (data) => {
        const { text, prompt: figures } = dialect.read(JSON.parse(data) as Record<string, unknown>);
        if (text && Number.isNaN(result.ttft)) result.ttft = performance.now() - t0;
        result.text += text;
        if (figures) {
          result.promptTokens = figures.tokens;
          result.cachedTokens = figures.cached;
        }
      }).then(({ failed, rest }) => {
        if (failed) return reject(new Error(`HTTP ${res.statusCode}: ${rest}`));
        if (Number.isNaN(result.ttft)) result.ttft = performance.now() - t0;
        resolve(result);
      }, reject);
    });
    req.on("error", reject);
    req.end(JSON.stringify(dialect.body(prompt, maxTokens, seed)));
  });
}
