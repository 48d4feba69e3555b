import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";
import { ask, tools, weather, type Message } from "./harness/tool-fixtures.js";

// Tools, tool choices and tool messages a request may not carry: each is refused before any
// model runs, with a 400 naming the offending param.
const sdk = useSdkStack();

async function badRequest(call: Promise<unknown>) {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  return (err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string | null; code: string | null; message: string };
}

describe("bad tool input is a 400 naming the param", () => {
  const chat = (extra: Record<string, unknown>) =>
    sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: ask, max_tokens: 4, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  const withParams = (parameters: Record<string, unknown>) => [{ type: "function", function: { name: "f", parameters } }];

  it.each([
    ["a parameters schema the grammar cannot enforce", { tools: withParams({ type: "object", properties: { n: { type: "number", multipleOf: 0.5 } } }) }, "tools[0].function.parameters", "unsupported_schema"],
    ["parameters that are not an object schema", { tools: withParams({ type: "string" }) }, "tools[0].function.parameters", "unsupported_schema"],
    ["the second of two tools with the same name", { tools: [weather, weather] }, "tools[1].function.name", null],
    ["a tool of another type", { tools: [{ type: "custom", custom: { name: "x" } }] }, "tools[0].type", null],
    ["a function name with a space", { tools: [{ type: "function", function: { name: "get weather" } }] }, "tools[0].function.name", null],
    ["tool_choice naming a function not given", { tools, tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice", null],
    ["tool_choice required without tools", { tool_choice: "required" }, "tool_choice", null],
    ["an unknown tool_choice", { tools, tool_choice: "always" }, "tool_choice", null],
    ["tools together with a JSON response_format", { tools, response_format: { type: "json_object" } }, "response_format", null],
    ["tools together with legacy functions", { tools, functions: [weather.function] }, "functions", null],
    ["a legacy function_call naming a function not given", { functions: [weather.function], function_call: { name: "nope" } }, "function_call", null],
    ["a functions parameters schema the grammar cannot enforce", { functions: [{ name: "f", parameters: { type: "object", properties: { s: { type: "string", pattern: "(?=a)a+" } } } }] }, "functions[0].parameters", "unsupported_schema"],
  ])("%s", async (_name, extra, param, code) => {
    const err = await badRequest(chat(extra));
    expect(err.param).toBe(param);
    if (code) expect(err.code).toBe(code);
  });

  const callMessage = (id: string, args = '{"city":"Paris","days":1,"unit":"celsius"}'): Message => ({
    role: "assistant",
    content: null,
    tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: args } }],
  });

  it.each([
    ["a tool result for an unknown tool_call_id", [...ask, callMessage("call_1"), { role: "tool", tool_call_id: "call_2", content: "x" }], "messages[2].tool_call_id"],
    ["a tool call that gets no result", [...ask, callMessage("call_1"), { role: "user", content: "and?" }], "messages[1].tool_calls[0].id"],
    ["a tool result with no call before it", [...ask, { role: "tool", tool_call_id: "call_1", content: "x" }], "messages[1].tool_call_id"],
    ["tool call arguments that are not JSON", [...ask, callMessage("call_1", "{city: Paris"), { role: "tool", tool_call_id: "call_1", content: "x" }], "messages[1].tool_calls[0].function.arguments"],
  ] as Array<[string, Message[], string]>)("%s", async (_name, messages, param) => {
    const err = await badRequest(chat({ messages, tools }));
    expect(err.param).toBe(param);
  });
});
