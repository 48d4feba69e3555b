import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QwenChatWrapper } from "node-llama-cpp";
import { createLogger } from "@lantern/shared/logging";
import type { InferInput, Sampling, TokenLogprob, ToolUse } from "@lantern/shared/contracts";
import { loadLlama } from "../models/load-llama.js";
import { loadServedModel, type ServedModel } from "../models/served-model.js";
import { generate, prepareGeneration } from "./generate.js";
import { InvalidParameterError } from "../invalid-parameter-error.js";

const modelPath = fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url));
let served: ServedModel;

beforeAll(async () => {
  const { llama } = await loadLlama("cpu", createLogger({ service: "test", level: "silent" }));
  served = await loadServedModel({ llama, name: "stories", modelPath, slots: 1, contexts: 1, threads: 1, contextSize: 0 });
});
afterAll(async () => {
  await served?.dispose();
});

const sampling: Sampling = { maxTokens: 12, temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [] };
const chat: InferInput = { kind: "chat", messages: [{ role: "user", content: "Once upon a time" }] };

const weather: ToolUse = { tools: [{ name: "get_weather" }], choice: { type: "auto" }, parallel: true };

async function generateWithLogprobs(model: ServedModel, tools?: ToolUse) {
  const sequence = model.sequences[0]!;
  let accepted = false;
  const logprobs: TokenLogprob[] = [];
  try {
    await generate(model, sequence, prepareGeneration(model, { input: chat, sampling, format: undefined, tools, logprobs: { top: 2 } }), {
      signal: new AbortController().signal,
      onAccepted: () => (accepted = true),
      onText: (_text, entries) => logprobs.push(...(entries ?? [])),
      onReasoning: () => {},
      onToolCall: () => {},
    });
    return { accepted, logprobs, error: undefined };
  } catch (error) {
    return { accepted, logprobs, error };
  } finally {
    await sequence.clearHistory();
  }
}

describe("logprobs on chat templates", () => {
  it("come with a plain template", async () => {
    const result = await generateWithLogprobs(served);
    expect(result.error).toBeUndefined();
    expect(result.logprobs.length).toBeGreaterThan(0);
  });

  it("are refused, naming logprobs, before the job is accepted, for a template that needs LlamaChat", async () => {
    // A template with thought segments runs on node-llama-cpp's LlamaChat, which reports no probabilities.
    const result = await generateWithLogprobs({ ...served, chatWrapper: new QwenChatWrapper() });
    expect(result.error).toBeInstanceOf(InvalidParameterError);
    expect((result.error as InvalidParameterError).param).toBe("logprobs");
    expect(result.accepted).toBe(false);
  });

  it("are refused, naming logprobs, before the job is accepted, when functions are offered", async () => {
    // Function calling runs on LlamaChat as well, whatever the template.
    const result = await generateWithLogprobs(served, weather);
    expect(result.error).toBeInstanceOf(InvalidParameterError);
    expect((result.error as InvalidParameterError).param).toBe("logprobs");
    expect((result.error as Error).message).toMatch(/function calling/);
    expect(result.accepted).toBe(false);
  });
});
