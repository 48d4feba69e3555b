import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, waitFor, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";
import { sdkClient } from "./harness/sdk-stack.js";

// Each worker has one slot, so a busy worker is one with a stream running.
const WORKER = { INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500", INFERENCE_CONTEXT_SIZE: "2048" };
// The longest a job waits for the worker holding its prefix before any worker takes it: long
// enough that a holder slowed by a loaded test machine still takes its turns.
const AFFINITY_MS = 1_000;

let stack: TestStack;
let client: OpenAI;
let workers: SpawnedWorker[];

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_PREFIX_AFFINITY_MS: String(AFFINITY_MS) } });
  workers = await Promise.all([stack.spawnWorker(WORKER), stack.spawnWorker(WORKER), stack.spawnWorker(WORKER)]);
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { workers: number }).workers === 3);
  client = sdkClient(stack.baseUrl);
});
afterAll(async () => {
  await stack?.stop();
});

const story = "Once upon a time there was a little girl named Lily who loved to play in the park with her dog Max. ";

interface Turn {
  worker: string | null;
  requestId: string | null;
  text: string;
  promptTokens: number;
  cachedTokens: number;
}

async function chatTurn(messages: OpenAI.ChatCompletionMessageParam[]): Promise<Turn> {
  const { data, response } = await client.chat.completions
    .create({ model: BUNDLED_MODEL, messages, max_tokens: 24, temperature: 0.7, seed: 3 })
    .withResponse();
  return {
    worker: response.headers.get("x-lantern-worker"),
    requestId: response.headers.get("x-request-id"),
    text: data.choices[0]!.message.content ?? "",
    promptTokens: data.usage!.prompt_tokens,
    cachedTokens: data.usage!.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** Plays a conversation of `turns` turns; each turn resends the whole history, as chat clients do. */
async function converse(opening: string, turns: number): Promise<{ history: OpenAI.ChatCompletionMessageParam[]; played: Turn[] }> {
  const history: OpenAI.ChatCompletionMessageParam[] = [{ role: "system", content: story.repeat(4) }];
  const played: Turn[] = [];
  for (let i = 0; i < turns; i++) {
    history.push({ role: "user", content: `${opening} Part ${i}.` });
    const turn = await chatTurn(history);
    played.push(turn);
    history.push({ role: "assistant", content: turn.text });
  }
  return { history, played };
}

/**
 * Holds the slot of the worker that holds `history` with a long stream of its next turn (affinity
 * sends it there; the end-of-text token is banned so it runs until `release`).
 */
async function occupyHolder(history: OpenAI.ChatCompletionMessageParam[]): Promise<{ worker: string | null; release: () => void }> {
  const { data: stream, response } = await client.chat.completions
    .create({ model: BUNDLED_MODEL, messages: history, max_tokens: 1500, temperature: 0.9, seed: 1, stream: true, logit_bias: { "2": -100 } })
    .withResponse();
  await stream[Symbol.asyncIterator]().next();
  return { worker: response.headers.get("x-lantern-worker"), release: () => stream.controller.abort() };
}

describe("prefix affinity across workers", () => {
  it("sends a conversation's next turns to the worker whose slot holds it, which evaluates only the new part", async () => {
    const conversations = await Promise.all([converse("Tell me about the dog.", 5), converse("Tell me about the park.", 5)]);
    for (const { played } of conversations) {
      const holder = played[0]!.worker;
      for (const turn of played.slice(1)) {
        expect(turn.worker).toBe(holder);
        expect(turn.cachedTokens).toBeGreaterThan(turn.promptTokens * 0.8);
      }
    }
    // The same prompt sent again (a retry) is served from the cache but for its last token.
    const { history } = conversations[0]!;
    const again = await chatTurn(history.slice(0, -1));
    expect(again.worker).toBe(conversations[0]!.played[0]!.worker);
    expect(again.cachedTokens).toBe(again.promptTokens - 1);
  });

  it("reports cached tokens in a stream's usage", async () => {
    // A start no slot has seen: only the start-of-text token can be cached the first time.
    const params = { model: BUNDLED_MODEL, prompt: `Number ${Date.now()}. ${story.repeat(5)}`, max_tokens: 8, seed: 2, stream: true, stream_options: { include_usage: true } } as const;
    const usages: OpenAI.CompletionUsage[] = [];
    for (let i = 0; i < 2; i++) {
      for await (const chunk of await client.completions.create(params)) if (chunk.usage) usages.push(chunk.usage);
    }
    expect(usages).toHaveLength(2);
    expect(usages[0]!.prompt_tokens_details?.cached_tokens).toBeLessThanOrEqual(1);
    expect(usages[1]!.prompt_tokens_details?.cached_tokens).toBe(usages[1]!.prompt_tokens - 1);
  });

  it("serves the next turn elsewhere, without waiting, while the holder's slot is busy", async () => {
    const { history, played } = await converse("Tell me about the cat.", 1);
    const holder = played[0]!.worker!;
    const busy = await occupyHolder([...history, { role: "user", content: "Go on." }]);
    try {
      expect(busy.worker).toBe(holder);
      history.push({ role: "user", content: "And then?" });
      const next = await chatTurn(history);
      expect(next.worker).not.toBe(holder);
      expect(next.text.length).toBeGreaterThan(0);
    } finally {
      busy.release();
    }
  });

  it("continues a turn exactly on another worker when the holder dies while streaming it", async () => {
    const { history, played } = await converse("Tell me about the fox.", 1);
    const holder = workers.find((w) => w.workerId === played[0]!.worker)!;
    history.push({ role: "user", content: "Tell me everything." });
    const params = { model: BUNDLED_MODEL, messages: history, max_tokens: 400, temperature: 0.8, seed: 9, logit_bias: { "2": -100 } };
    const { data: stream, response } = await client.chat.completions.create({ ...params, stream: true }).withResponse();
    expect(response.headers.get("x-lantern-worker")).toBe(holder.workerId);
    let text = "";
    let killed = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (!killed && text.length > 20) {
        killed = true;
        holder.process.kill("SIGKILL");
      }
    }
    expect(killed).toBe(true);
    const reference = await client.chat.completions.create(params);
    expect(text).toBe(reference.choices[0]!.message.content);
  });

  it("serves the next turn elsewhere within the bound when the holder died", async () => {
    const { history, played } = await converse("Tell me about the bird.", 2);
    const holder = workers.find((w) => w.workerId === played[1]!.worker)!;
    holder.process.kill("SIGKILL");
    await holder.exited;
    history.push({ role: "user", content: "And then?" });
    const next = await chatTurn(history);
    expect(next.worker).not.toBe(holder.workerId);
    expect(next.text.length).toBeGreaterThan(0);
    // The worker that served it had waited in the queue no longer than the bound allows (plus the machine's slack).
    const served = workers.find((w) => w.workerId === next.worker)!;
    // The worker's log line can reach the test after the answer did.
    const finishedLine = () => served.logs.find((l) => l.msg === "job finished" && String(l.requestId).startsWith(next.requestId!));
    await waitFor(() => finishedLine() !== undefined, 10_000, "the job's finished line");
    expect(finishedLine()!.queuedMs).toBeLessThan(AFFINITY_MS + 1_000);
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/lantern_prefix_affinity_total\{[^}]*outcome="elsewhere"[^}]*\} [1-9]/);
  });
});
