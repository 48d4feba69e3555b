import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@lantern/shared/logging";
import { schemaProblem, type FinishReason, type Sampling } from "@lantern/shared/contracts";
import { GbnfSampler, jsonSchemaToGbnf, UnsupportedSchemaError } from "@lantern/shared/grammar";
import { loadSchemaCorpus } from "@lantern/shared/grammar/corpus";
import { schemaValidator } from "@lantern/shared/testing";
import { generate, prepareGeneration } from "../generation/generate.js";
import { loadLlama } from "./load-llama.js";
import { loadServedModel, type ServedModel } from "./served-model.js";

/*
 * The committed corpus of schemas as real clients produce them (Pydantic, zod, the AI SDK,
 * LangChain, OpenAI's docs): each compiles on llama.cpp, what its grammar allows validates, each
 * is generated under on the bundled model (what finishes validates), and a spread of them must
 * finish. (`npm run bench:grammar` gives the model more tokens.)
 */

const modelPath = fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url));
let served: ServedModel;

beforeAll(async () => {
  const { llama } = await loadLlama("cpu", createLogger({ service: "test", level: "silent" }));
  served = await loadServedModel({ llama, name: "stories", modelPath, slots: 1, contexts: 1, threads: 1, contextSize: 2048 });
});
afterAll(async () => {
  await served?.dispose();
});

const corpus = loadSchemaCorpus();
const enforceable = corpus.filter((entry) => schemaProblem(entry.schema) === undefined);

// Spread over every source; the story model finishes these within max_tokens on one of the seeds.
const ON_THE_MODEL = [
  "ai-sdk-object-integer-bounds.json",
  "ai-sdk-object-recursive.json",
  "langchain-bind-tools-get_weather.json",
  "langchain-wso-default-method.json",
  "langchain-wso-zod3-function-calling.json",
  "openai-docs-cookbook-math-tutor.json",
  "openai-docs-number-range-nullable-enum.json",
  "openai-docs-ui-generation-recursive.json",
  "pydantic-enum-class.json",
  "pydantic-openai-parse-recursive-comments.json",
  "pydantic-openai-tool-create-calendar-event.json",
  "pydantic-plain-union.json",
  "zod-discriminated-union.json",
  "zod-lazy-recursion.json",
];

// 97 of 146 finish today with seed 1; far fewer would mean answers stopped ending.
const MIN_FINISHED_IN_300 = 90;

/** The story model rarely closes a string by itself: a bias on `"` lets answers end within max_tokens. */
function quoteBias(): Record<string, number> {
  return Object.fromEntries(served.model.tokenize('"').map((token) => [String(token), 4]));
}

async function generateUnder(schema: Record<string, unknown>, seed: number, maxTokens = 1000): Promise<{ text: string; finishReason: FinishReason }> {
  const sampling: Sampling = { maxTokens, temperature: 0.8, topP: 1, seed, presencePenalty: 0, frequencyPenalty: 0, stop: [], logitBias: quoteBias() };
  let text = "";
  const job = { input: { kind: "completion" as const, prompt: "Once upon a time" }, sampling, format: { type: "json_schema" as const, schema }, tools: undefined, logprobs: undefined };
  const res = await generate(served, served.sequences[0]!, prepareGeneration(served, job), {
    signal: new AbortController().signal,
    onAccepted: () => {},
    onText: (piece) => (text += piece),
    onReasoning: () => {},
    onToolCall: () => {},
  });
  return { text, finishReason: res.finishReason };
}

describe("the schema corpus", () => {
  it("converts almost all of it; the rest is refused naming keyword and path", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    // Today 146 of 157; fewer means a regression in what is enforced.
    expect(enforceable.length).toBeGreaterThanOrEqual(146);
    for (const entry of corpus.filter((e) => !enforceable.includes(e))) {
      const err = (() => {
        try {
          jsonSchemaToGbnf(entry.schema);
        } catch (e) {
          return e as UnsupportedSchemaError;
        }
      })();
      expect(err?.keyword, entry.file).toBeTruthy();
      expect(err?.message, entry.file).toMatch(/^'[^']+' at \//);
    }
  });

  it("every grammar compiles on llama.cpp, and every sentence sampled from it validates", async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const entry of enforceable) {
      await served.grammars.grammarFor({ type: "json_schema", schema: entry.schema });
      const valid = schemaValidator(entry.schema);
      const sampler = new GbnfSampler(jsonSchemaToGbnf(entry.schema), random, 8);
      for (let i = 0; i < 20; i++) {
        const text = sampler.sample();
        expect(valid(JSON.parse(text)), `${entry.file}: ${text}`).toBe(true);
      }
    }
  });

  it("every schema on the model: each answer that finishes within 300 tokens validates", async () => {
    const finished: string[] = [];
    for (const entry of enforceable) {
      const { text, finishReason } = await generateUnder(entry.schema, 1, 300);
      if (finishReason !== "stop") continue;
      finished.push(entry.file);
      expect(schemaValidator(entry.schema)(JSON.parse(text)), `${entry.file}: ${text}`).toBe(true);
    }
    // Most finish; the large ones (many free strings, open arrays) need more than 300 tokens of this model.
    expect(finished.length).toBeGreaterThanOrEqual(MIN_FINISHED_IN_300);
    // About 146 generations of up to 300 tokens: well over the default minute on a loaded 2-core machine.
  }, 240_000);

  it.each(ON_THE_MODEL)("%s: a finished generation on the model validates", async (file) => {
    const entry = enforceable.find((e) => e.file === file);
    expect(entry, `${file} is in the corpus and enforceable`).toBeDefined();
    const valid = schemaValidator(entry!.schema);
    for (const seed of [1, 2, 3]) {
      const { text, finishReason } = await generateUnder(entry!.schema, seed);
      if (finishReason !== "stop") continue;
      expect(valid(JSON.parse(text)), text).toBe(true);
      return;
    }
    expect.fail("no seed finished within max_tokens");
  });
});
