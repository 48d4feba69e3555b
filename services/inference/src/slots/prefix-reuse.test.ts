import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LlamaContextSequence } from "node-llama-cpp";
import { createLogger } from "@lantern/shared/logging";
import type { ChatTurn, InferInput, Sampling, ToolUse } from "@lantern/shared/contracts";
import { loadLlama } from "../models/load-llama.js";
import { loadServedModel, type ServedModel } from "../models/served-model.js";
import { generate, prepareGeneration, type GenerationJob, type GenerationResult } from "../generation/generate.js";

const modelPath = fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url));
// Slot 0 reuses what it holds; slot 1 is cleared before every run, as a worker did before slots kept their cache.
let served: ServedModel;

beforeAll(async () => {
  const { llama } = await loadLlama("cpu", createLogger({ service: "test", level: "silent" }));
  served = await loadServedModel({ llama, name: "stories", modelPath, slots: 2, contexts: 2, threads: 1, contextSize: 1024, chatWrapper: "general" });
});
afterAll(async () => {
  await served?.dispose();
});

const sampling = (extra: Partial<Sampling> = {}): Sampling => ({
  temperature: 0.9,
  topP: 0.95,
  seed: 42,
  presencePenalty: 0,
  frequencyPenalty: 0,
  stop: [],
  maxTokens: 40,
  ...extra,
});

interface Run extends GenerationResult {
  text: string;
  calls: string;
  /** Prompt tokens the sequence evaluated for this run. */
  evaluated: number;
}

async function run(sequence: LlamaContextSequence, job: Partial<GenerationJob> & Pick<GenerationJob, "input">, signal = new AbortController().signal): Promise<Run> {
  let text = "";
  let calls = "";
  const inputBefore = sequence.tokenMeter.usedInputTokens;
  const res = await generate(served, sequence, prepareGeneration(served, { sampling: sampling(), format: undefined, tools: undefined, reasoning: undefined, logprobs: undefined, ...job }), {
    signal,
    onAccepted: () => {},
    onText: (t) => (text += t),
    onReasoning: () => {},
    onToolCall: (piece) => (calls += `${piece.name}:${piece.arguments}`),
  });
  // The meter counts a decoded token whose logits were read as output: the prompt's last one, then each sampled one.
  const evaluated = sequence.tokenMeter.usedInputTokens - inputBefore + 1;
  return { ...res, text, calls, evaluated };
}

const cached = () => served.sequences[0]!;
async function fresh(): Promise<LlamaContextSequence> {
  const sequence = served.sequences[1]!;
  await sequence.clearHistory();
  return sequence;
}

const story = "Once upon a time there was a little girl named Lily who loved to play in the park with her dog Max. ";
const completion = (prompt: string): InferInput => ({ kind: "completion", prompt });
const conversation = (turns: number): ChatTurn[] =>
  Array.from({ length: turns }, (_, i) => ({ role: i % 2 === 0 ? ("user" as const) : ("assistant" as const), content: `${story}Turn ${i}.` }));

describe("a slot's prompt cache", () => {
  it("evaluates only what follows the prefix it holds, and the text is the same as from a clean slot", async () => {
    await cached().clearHistory();
    const base = story.repeat(6);
    const first = await run(cached(), { input: completion(base) });
    expect(first.usage.cachedTokens).toBe(0);

    // The same prompt again: everything but the last token comes from the cache.
    const again = await run(cached(), { input: completion(base) });
    expect(again.usage.cachedTokens).toBe(again.usage.promptTokens - 1);
    expect(again.evaluated).toBe(1);
    expect(again.text).toBe(first.text);

    // A prompt that diverges at token k evaluates only from k.
    const longer = await run(cached(), { input: completion(`${base}The end came soon.`) });
    const k = longer.usage.cachedTokens!;
    expect(k).toBeGreaterThanOrEqual(again.usage.promptTokens - 2);
    expect(k).toBeLessThan(longer.usage.promptTokens);
    expect(longer.evaluated).toBe(longer.usage.promptTokens - k);
    const reference = await run(await fresh(), { input: completion(`${base}The end came soon.`) });
    expect(reference.usage.cachedTokens).toBe(0);
    expect(longer.text).toBe(reference.text);
    expect(longer.finishReason).toBe(reference.finishReason);
  });

  it("gives a conversation's next turn the same text as a clean slot would, with the earlier turns cached", async () => {
    await cached().clearHistory();
    const messages: ChatTurn[] = [{ role: "system", content: story.repeat(3) }];
    // Greedy: the earlier answers' keys and values were computed a token at a time while they were
    // generated, a clean slot's in one batch. The CPU kernels sum in another order for each, so the
    // logits differ in their last bits: on some CPUs (an AMD EPYC here) enough to flip a token
    // sampled at temperature 0.9 by the fourth turn, never the greedy choice in this conversation.
    const greedy = sampling({ temperature: 0 });
    for (let turn = 0; turn < 4; turn++) {
      messages.push({ role: "user", content: `Tell me more, part ${turn}.` });
      const input: InferInput = { kind: "chat", messages: [...messages] };
      const reused = await run(cached(), { input, sampling: greedy });
      const reference = await run(await fresh(), { input, sampling: greedy });
      expect(reused.text).toBe(reference.text);
      if (turn > 0) expect(reused.usage.cachedTokens).toBeGreaterThan(reused.usage.promptTokens * 0.8);
      messages.push({ role: "assistant", content: reused.text });
    }
  });

  it("keeps output unchanged with a JSON schema and with function calling", async () => {
    const schema = { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"] };
    const tools: ToolUse = { tools: [{ name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }], choice: { type: "required" }, parallel: false };
    const jobs: Array<Partial<GenerationJob> & Pick<GenerationJob, "input">> = [
      { input: { kind: "chat", messages: conversation(3) }, format: { type: "json_schema", schema } },
      { input: { kind: "chat", messages: conversation(3) }, tools },
    ];
    for (const job of jobs) {
      await cached().clearHistory();
      const first = await run(cached(), job);
      const again = await run(cached(), job);
      const reference = await run(await fresh(), job);
      expect(again.usage.cachedTokens).toBeGreaterThan(0);
      expect(again.text).toBe(reference.text);
      expect(again.calls).toBe(reference.calls);
      expect(first.text + first.calls).toBe(reference.text + reference.calls);
    }
  });

  it("is left clean and usable by a job cancelled during its prompt evaluation", async () => {
    await cached().clearHistory();
    const prompt = story.repeat(8);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 1);
    const cancelled = await run(cached(), { input: completion(prompt) }, cancel.signal);
    expect(cancelled.finishReason).toBe("cancelled");
    const after = await run(cached(), { input: completion(prompt) });
    const reference = await run(await fresh(), { input: completion(prompt) });
    expect(after.text).toBe(reference.text);
  });

  it("never takes room from a job: a prompt that fills the context after a long cached one still runs to its length", async () => {
    await cached().clearHistory();
    await run(cached(), { input: completion(story.repeat(30)) });
    expect(cached().nextTokenIndex).toBeGreaterThan(600);
    const prompt = prepareGeneration(served, { input: completion(`A dog. ${story.repeat(20)}`), sampling: sampling() });
    const room = served.contextSize - prompt.tokens.length;
    const res = await run(cached(), { input: completion(`A dog. ${story.repeat(20)}`), sampling: sampling({ maxTokens: room, temperature: 0 }) });
    // Only the start-of-text token is shared.
    expect(res.usage.cachedTokens).toBeLessThanOrEqual(1);
    expect(res.usage.promptTokens + res.usage.completionTokens).toBeLessThanOrEqual(served.contextSize);
    expect(["length", "stop"]).toContain(res.finishReason);
  });
});
