import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Llama } from "node-llama-cpp";
import { createLogger } from "@lantern/shared/logging";
import { schemaValidator } from "@lantern/shared/testing";
import type { ChatTurn, FinishReason, Sampling, ToolSpec, ToolUse } from "@lantern/shared/contracts";
import type { ChatWrapperName } from "../models/chat-wrapper.js";
import { loadLlama } from "../models/load-llama.js";
import { loadServedModel, type ServedModel } from "../models/served-model.js";
import { generate, prepareGeneration, type GenerationJob } from "./generate.js";
import type { ToolCallPiece } from "./tool-call-stream.js";

const modelPath = fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url));
let llama: Llama;
const loaded = new Map<ChatWrapperName, ServedModel>();

beforeAll(async () => {
  ({ llama } = await loadLlama("cpu", createLogger({ service: "test", level: "silent" })));
});
afterAll(async () => {
  for (const served of loaded.values()) await served.dispose();
});

/** The bundled model under a given chat template (it has none of its own). */
async function servedWith(chatWrapper: ChatWrapperName): Promise<ServedModel> {
  let served = loaded.get(chatWrapper);
  if (!served) {
    served = await loadServedModel({ llama, name: "stories", modelPath, slots: 1, contexts: 1, threads: 1, contextSize: 0, chatWrapper });
    loaded.set(chatWrapper, served);
  }
  return served;
}

const sampling = (extra: Partial<Sampling> = {}): Sampling => ({
  temperature: 0.8,
  topP: 1,
  seed: 5,
  presencePenalty: 0,
  frequencyPenalty: 0,
  stop: [],
  maxTokens: 200,
  ...extra,
});

interface Run {
  text: string;
  reasoning: string;
  calls: Array<{ name: string; arguments: string }>;
  finishReason: FinishReason;
  completionTokens: number;
}

async function run(served: ServedModel, job: Omit<GenerationJob, "sampling"> & { sampling?: Sampling }): Promise<Run> {
  const out: Run = { text: "", reasoning: "", calls: [], finishReason: "stop", completionTokens: 0 };
  const sequence = served.sequences[0]!;
  try {
    const res = await generate(served, sequence, prepareGeneration(served, { sampling: sampling(), ...job }), {
      signal: new AbortController().signal,
      onAccepted: () => {},
      onText: (t) => (out.text += t),
      onReasoning: (t) => (out.reasoning += t),
      onToolCall: (piece: ToolCallPiece) => {
        const call = (out.calls[piece.index] ??= { name: piece.name, arguments: "" });
        call.arguments += piece.arguments;
      },
    });
    out.finishReason = res.finishReason;
    out.completionTokens = res.usage.completionTokens;
    return out;
  } finally {
    await sequence.clearHistory();
  }
}

const weather: ToolSpec = {
  name: "get_weather",
  description: "The weather in a city for the next days",
  parameters: {
    type: "object",
    properties: { city: { type: "string", maxLength: 20 }, days: { type: "integer" }, unit: { enum: ["celsius", "fahrenheit"] } },
    required: ["city", "days", "unit"],
    additionalProperties: false,
  },
};
const clock: ToolSpec = {
  name: "get_time",
  parameters: { type: "object", properties: { zone: { enum: ["utc", "cet"] } }, required: ["zone"], additionalProperties: false },
};
const tools = [weather, clock];

/** The call's arguments checked against its tool's schema by a JSON Schema validator, not by the grammar that made them. */
function expectValidCall(call: { name: string; arguments: string } | undefined) {
  expect(call).toBeDefined();
  const tool = tools.find((t) => t.name === call!.name);
  expect(tool).toBeDefined();
  const args: unknown = JSON.parse(call!.arguments);
  expect(z.fromJSONSchema(tool!.parameters as never).safeParse(args).success).toBe(true);
  return args;
}

const ask: ChatTurn[] = [{ role: "user", content: "What is the weather in Paris?" }];
const forced = (choice: ToolUse["choice"], parallel = false): ToolUse => ({ tools, choice, parallel });

describe("function calling on the real model", () => {
  it.each(["general", "llama3.1", "qwen", "mistral", "functionary", "chatML"] as ChatWrapperName[])(
    "a required call under the %s template is one well-formed call",
    async (template) => {
      const res = await run(await servedWith(template), { input: { kind: "chat", messages: ask }, tools: forced({ type: "required" }) });
      expect(res.finishReason).toBe("tool_calls");
      expect(res.calls).toHaveLength(1);
      expectValidCall(res.calls[0]);
      expect(res.completionTokens).toBeGreaterThan(0);
    },
  );

  it("a named choice calls that function, with arguments that validate", async () => {
    const served = await servedWith("general");
    for (const seed of [1, 2, 3]) {
      const res = await run(served, { input: { kind: "chat", messages: ask }, sampling: sampling({ seed }), tools: forced({ type: "function", name: "get_weather" }) });
      expect(res.calls.map((c) => c.name)).toEqual(["get_weather"]);
      const args = expectValidCall(res.calls[0]) as { unit: string };
      expect(["celsius", "fahrenheit"]).toContain(args.unit);
    }
  });

  it("arguments follow Lantern's grammar for schemas beyond node-llama-cpp's: pattern, bounds, nullable", async () => {
    const parameters = {
      type: "object",
      properties: {
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        age: { type: "integer", minimum: 0, maximum: 120 },
        kind: { type: "string", enum: ["cat", "dog"] },
        nickname: { anyOf: [{ type: "string", maxLength: 6 }, { type: "null" }] },
      },
      required: ["code", "age", "kind", "nickname"],
      additionalProperties: false,
    };
    const valid = schemaValidator(parameters);
    for (const template of ["general", "qwen"] as ChatWrapperName[]) {
      for (const seed of [1, 2, 3]) {
        const res = await run(await servedWith(template), {
          input: { kind: "chat", messages: ask },
          sampling: sampling({ seed, temperature: 1, maxTokens: undefined }),
          tools: { tools: [{ name: "register", parameters }], choice: { type: "function", name: "register" }, parallel: false },
        });
        expect(res.calls.map((c) => c.name)).toEqual(["register"]);
        expect(valid(JSON.parse(res.calls[0]!.arguments)), res.calls[0]!.arguments).toBe(true);
      }
    }
  });

  it("with parallel calls allowed, a template that has them may make several, each well-formed", async () => {
    const res = await run(await servedWith("qwen"), { input: { kind: "chat", messages: ask }, sampling: sampling({ maxTokens: 120 }), tools: forced({ type: "required" }, true) });
    const complete = res.finishReason === "tool_calls" ? res.calls : res.calls.slice(0, -1);
    expect(complete.length).toBeGreaterThanOrEqual(1);
    for (const call of complete) expectValidCall(call);
  });

  it("parallel calls that fill the context end the reply at its length, each finished call well-formed", async () => {
    const res = await run(await servedWith("qwen"), { input: { kind: "chat", messages: ask }, sampling: sampling({ maxTokens: undefined }), tools: forced({ type: "required" }, true) });
    expect(["length", "tool_calls"]).toContain(res.finishReason);
    const complete = res.finishReason === "tool_calls" ? res.calls : res.calls.slice(0, -1);
    for (const call of complete) expectValidCall(call);
  });

  it("auto leaves the choice to the model: the story model writes text", async () => {
    const res = await run(await servedWith("general"), { input: { kind: "chat", messages: ask }, sampling: sampling({ maxTokens: 20 }), tools: forced({ type: "auto" }) });
    expect(res.calls).toEqual([]);
    expect(res.text.length).toBeGreaterThan(0);
  });

  it("answers after the results of its calls, with and without tools offered", async () => {
    const turns: ChatTurn[] = [
      ...ask,
      { role: "assistant", content: "", toolCalls: [{ name: "get_weather", arguments: '{"city":"Paris","days":1,"unit":"celsius"}', result: '{"sky":"sunny"}' }] },
    ];
    const served = await servedWith("general");
    for (const withTools of [true, false]) {
      const res = await run(served, { input: { kind: "chat", messages: turns }, sampling: sampling({ maxTokens: 16 }), ...(withTools ? { tools: forced({ type: "auto" }) } : {}) });
      expect(res.calls).toEqual([]);
      expect(res.text.length).toBeGreaterThan(0);
    }
  });
});

describe("reasoning on the real model", () => {
  const story: ChatTurn[] = [{ role: "user", content: "Once upon a time" }];
  const greedy = sampling({ temperature: 0, maxTokens: 30 });

  it("a template that opens a thought segment sends the thought apart, then the answer after its budget", async () => {
    const res = await run(await servedWith("qwen3.5"), { input: { kind: "chat", messages: story }, sampling: greedy, reasoning: { inline: false, maxTokens: 8 } });
    expect(res.reasoning.length).toBeGreaterThan(0);
    expect(res.text.length).toBeGreaterThan(0);
    expect(res.text).not.toContain(res.reasoning);
    expect(res.text).not.toContain("think>");
  });

  it("without a budget the story model never closes its thought: all of it is reasoning", async () => {
    const res = await run(await servedWith("qwen3.5"), { input: { kind: "chat", messages: story }, sampling: greedy });
    expect(res.finishReason).toBe("length");
    expect(res.reasoning.length).toBeGreaterThan(0);
    expect(res.text).toBe("");
  });

  it("inline keeps the same thought in the text, between the template's tags", async () => {
    const served = await servedWith("qwen3.5");
    const apart = await run(served, { input: { kind: "chat", messages: story }, sampling: greedy, reasoning: { inline: false, maxTokens: 8 } });
    const inline = await run(served, { input: { kind: "chat", messages: story }, sampling: greedy, reasoning: { inline: true, maxTokens: 8 } });
    expect(inline.reasoning).toBe("");
    expect(inline.text).toBe(`<think>\n${apart.reasoning}\n</think>${apart.text}`);
  });

  it("templates without thought segments send no reasoning", async () => {
    const res = await run(await servedWith("general"), { input: { kind: "chat", messages: story }, sampling: greedy, reasoning: { inline: false, maxTokens: 8 } });
    expect(res.reasoning).toBe("");
    expect(res.text.length).toBeGreaterThan(0);
  });
});
