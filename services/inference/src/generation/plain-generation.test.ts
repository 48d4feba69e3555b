import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GeneralChatWrapper, type Token } from "node-llama-cpp";
import { createLogger } from "@lantern/shared/logging";
import type { LogprobsRequest, Sampling, TokenLogprob } from "@lantern/shared/contracts";
import { loadLlama } from "../models/load-llama.js";
import { loadServedModel, type ServedModel } from "../models/served-model.js";
import { generatePlain, plainStopsFor, type PlainStops } from "./plain-generation.js";

const modelPath = fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url));
let served: ServedModel;

beforeAll(async () => {
  const { llama } = await loadLlama("cpu", createLogger({ service: "test", level: "silent" }));
  served = await loadServedModel({ llama, name: "stories", modelPath, slots: 1, contexts: 1, threads: 1, contextSize: 0 });
});
afterAll(async () => {
  await served?.dispose();
});

const greedy: Sampling = { temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [] };
const noStops: PlainStops = { texts: [], tokens: [] };

interface RunOptions {
  maxTokens?: number;
  stops?: PlainStops;
  signal?: AbortSignal;
  sampling?: Partial<Sampling>;
  logprobs?: LogprobsRequest;
}

async function run(prompt: string, opts: RunOptions = {}) {
  const model = served.model;
  const tokens: Token[] = [model.tokens.bos!, ...model.tokenize(prompt)];
  let text = "";
  const pieces: Array<{ text: string; logprobs: TokenLogprob[] | undefined }> = [];
  const sequence = served.sequences[0]!;
  try {
    const result = await generatePlain(model, sequence, tokens, {
      sampling: { ...greedy, ...opts.sampling },
      maxTokens: opts.maxTokens ?? 64,
      stops: opts.stops ?? noStops,
      signal: opts.signal ?? new AbortController().signal,
      logprobs: opts.logprobs,
      onText: (t, logprobs) => {
        text += t;
        pieces.push({ text: t, logprobs });
      },
    });
    return { text, pieces, logprobs: pieces.flatMap((p) => p.logprobs ?? []), ...result };
  } finally {
    await sequence.clearHistory();
  }
}

describe("plain generation on the evaluation loop", () => {
  it("keeps the space a continuation starts with", async () => {
    const { text } = await run("The little dog", { maxTokens: 8 });
    expect(text.startsWith(" ")).toBe(true);
  });

  it("stops after max tokens with finish reason length and counts them", async () => {
    const result = await run("Once upon a time", { maxTokens: 12 });
    expect(result.stopReason).toBe("length");
    expect(result.completionTokens).toBe(12);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it("is deterministic at temperature 0", async () => {
    const a = await run("Once upon a time", { maxTokens: 40 });
    const b = await run("Once upon a time", { maxTokens: 40 });
    expect(a.text).toBe(b.text);
  });

  it("ends before a stop text and never shows it", async () => {
    const full = await run("Once upon a time", { maxTokens: 60 });
    const word = full.text.trim().split(/\s+/)[3]!;
    const cut = await run("Once upon a time", { maxTokens: 60, stops: { texts: [word], tokens: [] } });
    expect(cut.stopReason).toBe("stop");
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(word)));
    expect(cut.completionTokens).toBeLessThan(60);
  });

  it("stops on a stop token without showing it", async () => {
    // Every token of the vocabulary is a stop token, so the first one generated ends the reply.
    const everyToken = Array.from({ length: served.model.fileInfo.metadata.tokenizer.ggml.tokens.length }, (_, i) => i as Token);
    const result = await run("Once upon a time", { maxTokens: 20, stops: { texts: [], tokens: everyToken } });
    expect(result.stopReason).toBe("stop");
    expect(result.text).toBe("");
    expect(result.completionTokens).toBe(0);
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run("Once upon a time", { maxTokens: 50, signal: controller.signal });
    expect(result.stopReason).toBe("cancelled");
    expect(result.completionTokens).toBeLessThan(50);
  });

  it("applies presence and frequency penalties (the text changes)", async () => {
    const plain = await run("Once upon a time", { maxTokens: 80 });
    const penalized = await run("Once upon a time", { maxTokens: 80, sampling: { presencePenalty: 1.5, frequencyPenalty: 1.5 } });
    expect(penalized.text).not.toBe(plain.text);
  });
});

describe("a template's stop triggers", () => {
  it("become stop texts and tokens for the plain loop", () => {
    const state = new GeneralChatWrapper().generateContextState({ chatHistory: [{ type: "user", text: "hi" }, { type: "model", response: [] }] });
    const stops = plainStopsFor(served.model, state.stopGenerationTriggers);
    expect(stops).toBeDefined();
    expect(stops!.texts).toContain("\n\n### Human");
    expect(stops!.tokens).toContain(served.model.tokens.eos);
  });
});

describe("token log probabilities", () => {
  it("come one per token, and each piece of text is exactly the join of its tokens", async () => {
    const result = await run("Once upon a time", { maxTokens: 30, logprobs: { top: 0 } });
    expect(result.logprobs).toHaveLength(result.completionTokens);
    for (const piece of result.pieces) expect(piece.logprobs!.map((e) => e.token).join("")).toBe(piece.text);
    for (const entry of result.logprobs) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top).toEqual([]);
    }
  });

  it("do not change the text sampled with a given seed", async () => {
    const sampling = { temperature: 1, seed: 42 };
    const plain = await run("Once upon a time", { maxTokens: 40, sampling });
    const withLogprobs = await run("Once upon a time", { maxTokens: 40, sampling, logprobs: { top: 3 } });
    expect(withLogprobs.text).toBe(plain.text);
  });

  it("list the asked number of alternatives, most likely first, led by the greedy choice", async () => {
    const result = await run("Once upon a time", { maxTokens: 20, logprobs: { top: 5 } });
    for (const entry of result.logprobs) {
      expect(entry.top).toHaveLength(5);
      const logprobs = entry.top.map((t) => t.logprob);
      expect([...logprobs].sort((a, b) => b - a)).toEqual(logprobs);
      expect(entry.top[0]).toEqual({ token: entry.token, logprob: entry.logprob });
    }
  });

  it("drop the tokens of a stop text with the text", async () => {
    const full = await run("Once upon a time", { maxTokens: 60 });
    const word = full.text.trim().split(/\s+/)[3]!;
    // With its leading space, the stop text covers whole tokens.
    const cut = await run("Once upon a time", { maxTokens: 60, stops: { texts: [` ${word}`], tokens: [] }, logprobs: { top: 0 } });
    expect(cut.logprobs.map((e) => e.token).join("")).toBe(cut.text);
    expect(cut.logprobs.length).toBeLessThan(cut.completionTokens);
  });
});
