import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { schemaValidator } from "@lantern/shared/testing";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";
import { ask, tools, weather, weatherParams, type Tool } from "./harness/tool-fixtures.js";

// The bundled model under its own plain template (one call per reply), and under the Qwen
// template (which has parallel calls) as a second model name on a second worker. Tool input a
// request may not carry is in tool-input-errors.test.ts.
const sdk = useSdkStack();
const QWEN_MODEL = "stories-qwen";
beforeAll(async () => {
  await sdk.stack.startWorker({ INFERENCE_MODELS: `${QWEN_MODEL}=stories260K.gguf`, INFERENCE_CHAT_WRAPPER: "qwen" });
});

/** The call's arguments checked by a JSON Schema validator against its tool's parameters. */
function expectValidArguments(call: { function: { name: string; arguments: string } }): unknown {
  const tool = tools.find((t) => t.function.name === call.function.name);
  expect(tool, `a call to an unknown function ${call.function.name}`).toBeDefined();
  const args: unknown = JSON.parse(call.function.arguments);
  const check = z.fromJSONSchema(tool!.function.parameters as never).safeParse(args);
  expect(check.success, JSON.stringify(check.error?.issues)).toBe(true);
  return args;
}

function functionCalls(message: OpenAI.ChatCompletionMessage): OpenAI.ChatCompletionMessageFunctionToolCall[] {
  return (message.tool_calls ?? []).map((call) => {
    expect(call.type).toBe("function");
    return call as OpenAI.ChatCompletionMessageFunctionToolCall;
  });
}

describe("tool calls", () => {
  it("a named choice round trip: a valid call, its result fed back, then an answer in text", async () => {
    const first = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: ask,
      tools,
      tool_choice: { type: "function", function: { name: "get_weather" } },
      temperature: 0.8,
      seed: 4,
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const [call, ...more] = functionCalls(choice.message);
    expect(more).toEqual([]);
    expect(call!.id).toMatch(/^call_/);
    expect(call!.function.name).toBe("get_weather");
    expectValidArguments(call!);
    expect(first.usage!.completion_tokens).toBeGreaterThan(0);

    const second = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: [...ask, choice.message, { role: "tool", tool_call_id: call!.id, content: JSON.stringify({ sky: "sunny", celsius: 21 }) }],
      tools,
      max_tokens: 24,
      temperature: 0,
    });
    const answer = second.choices[0]!;
    expect(answer.message.tool_calls ?? []).toEqual([]);
    expect(answer.message.content!.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(answer.finish_reason);
    // The call and its result are part of the prompt of the second turn.
    expect(second.usage!.prompt_tokens).toBeGreaterThan(first.usage!.prompt_tokens);
  });

  it("required gives a call to one of the tools, whatever the seed", async () => {
    for (const seed of [1, 2, 3]) {
      const res = await sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: ask, tools, tool_choice: "required", temperature: 1, seed });
      expect(res.choices[0]!.finish_reason).toBe("tool_calls");
      const calls = functionCalls(res.choices[0]!.message);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const call of calls) expectValidArguments(call);
    }
  });

  it("arguments follow the schemas client helpers write: nullable, bounds, Literal, pattern", async () => {
    // What Pydantic and zod emit for Optional[str], Field(ge, le), Literal and Field(pattern).
    const parameters = {
      type: "object",
      properties: {
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        age: { type: "integer", minimum: 0, maximum: 120 },
        kind: { type: "string", enum: ["cat", "dog"] },
        nickname: { anyOf: [{ type: "string", maxLength: 8 }, { type: "null" }] },
      },
      required: ["code", "age", "kind", "nickname"],
      additionalProperties: false,
    };
    const pet: Tool = { type: "function", function: { name: "register_pet", parameters, strict: true } };
    const valid = schemaValidator(parameters);
    for (const model of [BUNDLED_MODEL, QWEN_MODEL]) {
      for (const seed of [1, 2, 3]) {
        const res = await sdk.client.chat.completions.create({
          model,
          messages: ask,
          tools: [pet],
          tool_choice: { type: "function", function: { name: "register_pet" } },
          parallel_tool_calls: false,
          temperature: 1,
          seed,
        });
        const [call] = functionCalls(res.choices[0]!.message);
        const args: unknown = JSON.parse(call!.function.arguments);
        expect(valid(args), `${model} seed ${seed}: ${call!.function.arguments}`).toBe(true);
      }
    }
  });

  it("streamed tool_calls deltas assemble to the same call as the whole answer", async () => {
    const params = {
      model: BUNDLED_MODEL,
      messages: ask,
      tools,
      tool_choice: { type: "function" as const, function: { name: "get_weather" } },
      temperature: 0,
      seed: 9,
    };
    const whole = await sdk.client.chat.completions.create(params);
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true });
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    let finish: string | null = null;
    let pieces = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        pieces++;
        const call = calls.get(delta.index) ?? { arguments: "" };
        call.id ??= delta.id;
        call.name ??= delta.function?.name;
        call.arguments += delta.function?.arguments ?? "";
        calls.set(delta.index, call);
      }
    }
    expect(finish).toBe("tool_calls");
    // The arguments arrive in pieces, after the piece that names the call.
    expect(pieces).toBeGreaterThan(1);
    const wholeCall = functionCalls(whole.choices[0]!.message)[0]!;
    expect([...calls.keys()]).toEqual([0]);
    expect(calls.get(0)!.id).toMatch(/^call_/);
    expect({ name: calls.get(0)!.name, arguments: calls.get(0)!.arguments }).toEqual({
      name: wholeCall.function.name,
      arguments: wholeCall.function.arguments,
    });
  });

  it("the SDK's stream helper and runTools understand the calls", async () => {
    const stream = sdk.client.chat.completions.stream({ model: BUNDLED_MODEL, messages: ask, tools, tool_choice: "required", temperature: 0.5, seed: 2 });
    const done = await stream.finalChatCompletion();
    expect(done.choices[0]!.finish_reason).toBe("tool_calls");
    for (const call of functionCalls(done.choices[0]!.message)) expectValidArguments(call);

    const received: unknown[] = [];
    const runner = sdk.client.chat.completions.runTools({
      model: BUNDLED_MODEL,
      messages: ask,
      tool_choice: { type: "function", function: { name: "get_weather" } },
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "The weather in a city for the next days",
            parameters: weatherParams,
            parse: JSON.parse,
            function: (args: unknown) => {
              received.push(args);
              return { sky: "sunny" };
            },
          },
        },
      ],
      temperature: 0.5,
      seed: 3,
    });
    const lastCall = await runner.finalFunctionToolCall();
    expect(received).toHaveLength(1);
    expect(lastCall?.name).toBe("get_weather");
    expectValidArguments({ function: { name: "get_weather", arguments: lastCall!.arguments } });
    expect(await runner.finalFunctionToolCallResult()).toBe(JSON.stringify({ sky: "sunny" }));
  });

  it("parallel_tool_calls false gives exactly one call where the template could make several", async () => {
    const params = { model: QWEN_MODEL, messages: ask, tools, tool_choice: "required" as const, temperature: 0, seed: 5, max_tokens: 150 };
    const parallel = await sdk.client.chat.completions.create(params);
    expect(functionCalls(parallel.choices[0]!.message).length).toBeGreaterThan(1);

    const single = await sdk.client.chat.completions.create({ ...params, parallel_tool_calls: false });
    expect(single.choices[0]!.finish_reason).toBe("tool_calls");
    const calls = functionCalls(single.choices[0]!.message);
    expect(calls).toHaveLength(1);
    expectValidArguments(calls[0]!);
  });

  it("tool_choice none answers in text", async () => {
    const res = await sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: ask, tools, tool_choice: "none", max_tokens: 20, temperature: 0 });
    expect(res.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(res.choices[0]!.finish_reason).not.toBe("tool_calls");
  });

  it("the legacy functions and function_call take the same path and answer in their own shape", async () => {
    const functions = [weather.function];
    const first = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: ask,
      functions,
      function_call: { name: "get_weather" },
      temperature: 0.8,
      seed: 6,
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("function_call");
    expect(choice.message.tool_calls).toBeUndefined();
    const call = choice.message.function_call!;
    expectValidArguments({ function: call });

    const second = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: [...ask, { role: "assistant", content: null, function_call: call }, { role: "function", name: call.name, content: "sunny" }],
      functions,
      max_tokens: 16,
      temperature: 0,
    });
    expect(second.choices[0]!.message.content!.length).toBeGreaterThan(0);

    const stream = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: ask,
      functions,
      function_call: { name: "get_weather" },
      temperature: 0.8,
      seed: 6,
      stream: true,
    });
    let name = "";
    let args = "";
    for await (const chunk of stream) {
      name += chunk.choices[0]?.delta.function_call?.name ?? "";
      args += chunk.choices[0]?.delta.function_call?.arguments ?? "";
    }
    expect({ name, arguments: args }).toEqual(call);
  });
});
