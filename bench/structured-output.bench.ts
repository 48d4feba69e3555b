/**
 * `npm run bench:grammar`: (1) the schema corpus (schemas as Pydantic, zod, the AI SDK, LangChain
 * and OpenAI's docs write them) turned into grammars: conversion alone, then conversion plus
 * compile on the worker's llama, cold (each schema new to the worker's grammar cache) and cached
 * (the same schemas again), p50/p95/max and the largest schema; (2) tokens/s of the same
 * generation on the bundled model with and without a `json_schema` grammar, rounds interleaved;
 * (3) every enforceable schema of the corpus generated on the bundled model: how many finish within
 * max_tokens and whether each finished answer validates (ajv). Prints figures; asserts nothing.
 */
import { join } from "node:path";
import { createLogger } from "@lantern/shared/logging";
import { schemaProblem, type OutputFormat, type Sampling } from "@lantern/shared/contracts";
import { jsonSchemaToGbnf } from "@lantern/shared/grammar";
import { loadSchemaCorpus } from "@lantern/shared/grammar/corpus";
import { GrammarCache, generate, loadLlama, loadServedModel, prepareGeneration, type ServedModel } from "@lantern/inference";
import { repoRoot } from "../scripts/local-stack.js";
import { schemaValidator } from "@lantern/shared/testing";
import { percentile } from "./stats.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const CORPUS_TOKENS = Number(process.env.BENCH_CORPUS_TOKENS ?? 1500);
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const line = (label: string, ms: number[]) =>
  console.log(`  ${label.padEnd(34)} p50 ${fmt(percentile(ms, 50)).padStart(8)} ms   p95 ${fmt(percentile(ms, 95)).padStart(8)} ms   max ${fmt(Math.max(...ms)).padStart(8)} ms`);

async function compileTimes(served: ServedModel) {
  const corpus = loadSchemaCorpus().filter((entry) => schemaProblem(entry.schema) === undefined);
  const largest = corpus.reduce((a, b) => (JSON.stringify(b.schema).length > JSON.stringify(a.schema).length ? b : a));
  const convert: number[] = [];
  for (const entry of corpus) {
    const started = performance.now();
    jsonSchemaToGbnf(entry.schema);
    convert.push(performance.now() - started);
  }
  const cache = new GrammarCache(served.model.llama, corpus.length + 1);
  const timeAll = async () => {
    const ms: number[] = [];
    for (const entry of corpus) {
      const started = performance.now();
      await cache.grammarFor({ type: "json_schema", schema: entry.schema });
      ms.push(performance.now() - started);
    }
    return ms;
  };
  const cold = await timeAll();
  const cached = await timeAll();
  const at = corpus.indexOf(largest);
  console.log(`\nSchema corpus: ${corpus.length} enforceable schemas; largest ${largest.file} (${JSON.stringify(largest.schema).length} bytes of schema, ${jsonSchemaToGbnf(largest.schema).length} bytes of grammar)`);
  line("convert (JSON Schema -> GBNF)", convert);
  line("convert + compile, cold", cold);
  line("convert + compile, cached", cached);
  console.log(`  largest schema: convert ${fmt(convert[at]!)} ms, cold ${fmt(cold[at]!)} ms, cached ${fmt(cached[at]!, 4)} ms`);
}

async function tokensPerSecond(served: ServedModel, format: OutputFormat | undefined, seed: number): Promise<number> {
  const sampling: Sampling = { maxTokens: TOKENS, temperature: 0.8, topP: 1, seed, presencePenalty: 0, frequencyPenalty: 0, stop: [] };
  const job = { input: { kind: "completion" as const, prompt: "Once upon a time" }, sampling, format, tools: undefined, logprobs: undefined };
  const res = await generate(served, served.sequences[0]!, prepareGeneration(served, job), {
    signal: new AbortController().signal,
    onAccepted: () => {},
    onText: () => {},
    onReasoning: () => {},
    onToolCall: () => {},
  });
  return res.usage.completionTokens / (res.generateMs / 1000);
}

async function main() {
  const { llama } = await loadLlama("cpu", createLogger({ service: "bench", level: "silent" }));
  const served = await loadServedModel({ llama, name: "stories260K", modelPath: join(repoRoot, "models", "stories260K.gguf"), slots: 1, contexts: 1, threads: 1, contextSize: 2048 });
  await compileTimes(served);

  // A schema whose answer runs to max_tokens like free text does: one long string, then the end.
  const story: OutputFormat = { type: "json_schema", schema: { type: "object", properties: { title: { type: "string", maxLength: 40 }, story: { type: "string" } }, required: ["title", "story"] } };
  const free: number[] = [];
  const constrained: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    free.push(await tokensPerSecond(served, undefined, round + 1));
    constrained.push(await tokensPerSecond(served, story, round + 1));
  }
  const p50Free = percentile(free, 50);
  const p50Constrained = percentile(constrained, 50);
  console.log(`\nGeneration on the bundled model, ${TOKENS} tokens, ${ROUNDS} interleaved rounds, 1 thread:`);
  console.log(`  without a grammar          ${fmt(p50Free, 0).padStart(7)} tokens/s (p50)`);
  console.log(`  with a json_schema grammar ${fmt(p50Constrained, 0).padStart(7)} tokens/s (p50)   ratio ${fmt(p50Constrained / p50Free)}x (target >= 0.8x)`);
  await wholeCorpus(served);
  await served.dispose();
}

/** Each schema generated on the model (seeds 1 and 2); what finishes is checked by a standard validator. */
async function wholeCorpus(served: ServedModel) {
  const corpus = loadSchemaCorpus().filter((entry) => schemaProblem(entry.schema) === undefined);
  // The story model rarely closes a string by itself; a bias on `"` lets answers end.
  const logitBias = Object.fromEntries(served.model.tokenize('"').map((token) => [String(token), 4]));
  let finished = 0;
  let invalid = 0;
  let tokens = 0;
  const started = performance.now();
  for (const entry of corpus) {
    const valid = schemaValidator(entry.schema);
    for (const seed of [1, 2]) {
      const sampling: Sampling = { maxTokens: CORPUS_TOKENS, temperature: 0.8, topP: 1, seed, presencePenalty: 0, frequencyPenalty: 0, stop: [], logitBias };
      let text = "";
      const job = { input: { kind: "completion" as const, prompt: "Once upon a time" }, sampling, format: { type: "json_schema" as const, schema: entry.schema }, tools: undefined, logprobs: undefined };
      const res = await generate(served, served.sequences[0]!, prepareGeneration(served, job), {
        signal: new AbortController().signal,
        onAccepted: () => {},
        onText: (piece) => (text += piece),
        onReasoning: () => {},
        onToolCall: () => {},
      });
      tokens += res.usage.completionTokens;
      if (res.finishReason !== "stop") continue;
      finished++;
      if (!valid(JSON.parse(text))) {
        invalid++;
        console.log(`  INVALID ${entry.file}: ${text.slice(0, 200)}`);
      }
      break;
    }
  }
  console.log(`\nWhole corpus on the bundled model (max_tokens ${CORPUS_TOKENS}, seeds 1-2): ${finished} of ${corpus.length} finished, ${invalid} of them invalid; ${tokens} tokens in ${fmt((performance.now() - started) / 1000, 0)} s`);
}

await main();
