import { connect, RequestError, type NatsConnection } from "@nats-io/transport-node";
import type { LlamaModel } from "node-llama-cpp";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeMessage,
  ModelControlReply,
  ModelControlRequest,
  natsNames,
  toModelToken,
  TokensReply,
  TokensRequest,
  type InferInput,
  type TokensResult,
  type ToolUse,
} from "@lantern/shared/contracts";
import { capturingLogger } from "../../../../test/harness/log-capture.js";
import { sdkClient } from "../../../../test/harness/sdk-stack.js";
import { startTestStack, waitFor, type InProcessWorker, type TestStack } from "../../../../test/harness/test-stack.js";
import { weatherParams } from "../../../../test/harness/tool-fixtures.js";
import { loadInferenceConfig } from "../config.js";
import { startSyntheticWorker } from "../synthetic/synthetic-engine.js";
import type { RunningWorker } from "../worker.js";

let stack: TestStack;
let worker: InProcessWorker;
let nc: NatsConnection;
let client: OpenAI;
let model: LlamaModel;
let synthetic: RunningWorker | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  nc = await connect({ servers: stack.nats.url });
  client = sdkClient(stack.baseUrl);
  worker = await stack.startWorker({ INFERENCE_MODELS: "stories260K=stories260K.gguf?slots=1&context=1024" });
  model = worker.worker.models[0]!.model;
  const env = { NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, INFERENCE_SYNTHETIC_MODEL: "synthetic", INFERENCE_SYNTHETIC_TOKENS_PER_S: "1000" };
  synthetic = await startSyntheticWorker(loadInferenceConfig(env), capturingLogger("inference").logger);
  await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "synthetic"));
});
afterAll(async () => {
  await nc?.close();
  await synthetic?.stop();
  await stack?.stop();
});

type Request = TokensRequest extends infer R ? (R extends unknown ? Omit<R, "v"> : never) : never;

async function ask(request: Request): Promise<TokensReply> {
  const subject = natsNames(stack.nats.namespace).subjects.tokens(toModelToken(request.model));
  const msg = await nc.request(subject, encodeMessage(TokensRequest, { v: 1, ...request } as TokensRequest), { timeout: 5_000 });
  return decodeMessage(TokensReply, msg.data);
}

async function result<Op extends TokensResult["op"]>(request: Request & { op: Op }): Promise<Extract<TokensResult, { op: Op }>> {
  const reply = await ask(request);
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.result as Extract<TokensResult, { op: Op }>;
}

const tokenize = (content: string, opts: { addSpecial?: boolean; parseSpecial?: boolean; withPieces?: boolean } = {}, name = "stories260K") =>
  result({ op: "tokenize", model: name, content, addSpecial: false, parseSpecial: true, withPieces: false, ...opts });
const count = (input: InferInput, tools?: ToolUse, name = "stories260K") =>
  result({ op: "count", model: name, input, ...(tools ? { tools } : {}) }).then((r) => r.promptTokens);

const TEXTS = ["Once upon a time, there was a little dog.", "  two leading spaces\n\nand lines", "café ☕ 日本"];

describe("tokens on a real model", () => {
  it("tokenizes as node-llama-cpp does, and detokenizes back to the same text", async () => {
    for (const text of TEXTS) {
      const { tokens, pieces } = await tokenize(text);
      expect(tokens).toEqual(model.tokenize(text, true));
      expect(pieces).toBeUndefined();
      expect((await result({ op: "detokenize", model: "stories260K", tokens })).content).toBe(text);
    }
  });

  it("adds the BOS token with addSpecial, and parses special-token text unless told not to", async () => {
    const bos = model.tokens.bos!;
    expect((await tokenize("Once", { addSpecial: true })).tokens).toEqual([bos, ...model.tokenize("Once")]);
    expect((await tokenize("<s>")).tokens).toEqual([bos]);
    expect((await tokenize("<s>", { parseSpecial: false })).tokens).not.toContain(bos);
    expect((await result({ op: "detokenize", model: "stories260K", tokens: [bos, ...model.tokenize("Once")] })).content).toBe("<s> Once");
  });

  it("gives pieces with their leading space, and bytes for tokens that are part of a character", async () => {
    const { tokens, pieces } = await tokenize("Once upon ☕", { withPieces: true });
    expect(pieces).toHaveLength(tokens.length);
    expect(pieces!.slice(0, 2)).toEqual([" Once", " upon"]);
    // ☕ is not in this small vocabulary: its three UTF-8 bytes are byte-fallback tokens.
    expect(pieces!.slice(-3)).toEqual([[0xe2], [0x98], [0x95]]);
    const bytes = pieces!.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p));
    expect(new TextDecoder().decode(new Uint8Array(bytes))).toBe(" Once upon ☕");
  });

  it("counts a chat's prompt tokens as a generation of it reports them", async () => {
    const messages = [
      { role: "system" as const, content: "You tell short stories." },
      { role: "user" as const, content: "Tell me about a cat." },
    ];
    const res = await client.chat.completions.create({ model: "stories260K", messages, max_tokens: 1, temperature: 0 });
    expect(await count({ kind: "chat", messages })).toBe(res.usage!.prompt_tokens);
    const completion = await client.completions.create({ model: "stories260K", prompt: "Once upon a time", max_tokens: 1 });
    expect(await count({ kind: "completion", prompt: "Once upon a time" })).toBe(completion.usage!.prompt_tokens);
  });

  it("counts the offered functions and earlier calls as the template documents them", async () => {
    const ask = { role: "user" as const, content: "What is the weather in Paris?" };
    const args = JSON.stringify({ city: "Paris", days: 1, unit: "celsius" });
    const tools: ToolUse = {
      tools: [{ name: "get_weather", description: "The weather in a city", parameters: weatherParams }],
      choice: { type: "auto" },
      parallel: true,
    };
    const res = await client.chat.completions.create({
      model: "stories260K",
      messages: [
        ask,
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: args } }] },
        { role: "tool", tool_call_id: "c1", content: "Sunny, 21 degrees" },
      ],
      tools: [{ type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: weatherParams } }],
      max_tokens: 1,
      temperature: 0,
    });
    const input: InferInput = {
      kind: "chat",
      messages: [ask, { role: "assistant", content: "", toolCalls: [{ name: "get_weather", arguments: args, result: "Sunny, 21 degrees" }] }],
    };
    const withTools = await count(input, tools);
    expect(withTools).toBe(res.usage!.prompt_tokens);
    expect(withTools).toBeGreaterThan(await count(input));
  });

  it("answers bad input with an error naming it", async () => {
    const outside = await ask({ op: "detokenize", model: "stories260K", tokens: [1, 99_999] });
    expect(outside).toMatchObject({ ok: false, error: { code: "invalid_parameter", param: "tokens[1]" } });
    const embed = await ask({ op: "count", model: "stories260K", input: { kind: "embed", inputs: ["x"] } });
    expect(embed).toMatchObject({ ok: false, error: { code: "invalid_parameter", param: "input" } });
    const subject = natsNames(stack.nats.namespace).subjects.tokens(toModelToken("stories260K"));
    const garbled = decodeMessage(TokensReply, (await nc.request(subject, new TextEncoder().encode("{not json"), { timeout: 5_000 })).data);
    expect(garbled).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    // The worker goes on answering.
    expect((await tokenize("Once")).tokens).toEqual(model.tokenize("Once"));
  });
});

describe("a model's tokens subject", () => {
  it("is answered from when the model loads until it unloads", async () => {
    const control = async (request: ModelControlRequest) => {
      const subject = natsNames(stack.nats.namespace).subjects.modelControl(worker.worker.workerId);
      const reply = decodeMessage(ModelControlReply, (await nc.request(subject, encodeMessage(ModelControlRequest, request), { timeout: 10_000 })).data);
      expect(reply.ok).toBe(true);
    };
    await control({ v: 1, op: "load", model: { name: "extra", file: "stories260K.gguf", slots: 1, contextSize: 256 } });
    expect((await tokenize("Once", {}, "extra")).tokens).toEqual(model.tokenize("Once"));
    await control({ v: 1, op: "unload", name: "extra" });
    const gone = await tokenize("Once", {}, "extra").catch((err: unknown) => err);
    expect(gone instanceof RequestError && gone.isNoResponders()).toBe(true);
  });
});

describe("tokens on the synthetic engine", () => {
  it("has a token per character and counts what its replies report", async () => {
    const { tokens, pieces } = await tokenize("héllo ☕", { withPieces: true }, "synthetic");
    expect(tokens).toEqual([..."héllo ☕"].map((c) => c.codePointAt(0)));
    expect(pieces).toEqual([..."héllo ☕"]);
    expect((await result({ op: "detokenize", model: "synthetic", tokens })).content).toBe("héllo ☕");
    const res = await client.completions.create({ model: "synthetic", prompt: "one two three", max_tokens: 1 });
    expect(await count({ kind: "completion", prompt: "one two three" }, undefined, "synthetic")).toBe(res.usage!.prompt_tokens);
  });
});
