import { describe, expect, it } from "vitest";
import { ResponsesRequest } from "@lantern/shared/contracts";
import { ApiError } from "../errors/api-error.js";
import { chatPlan } from "./chat-request.js";
import { inputItems } from "./input-items.js";

const plan = (body: Record<string, unknown>, context: Array<Record<string, unknown>> = []) => {
  const req = ResponsesRequest.parse({ model: "m", ...body });
  return chatPlan(req, context as never, inputItems(req, "resp_1"));
};

const paramOf = (body: Record<string, unknown>) => {
  try {
    plan(body);
  } catch (err) {
    if (err instanceof ApiError) return err.param;
    throw err;
  }
  return "accepted";
};

const tool = { type: "function", name: "f", parameters: { type: "object", properties: { a: { type: "integer" } } } };

describe("a Responses request as a chat job", () => {
  it("makes the chat body an upstream gets: instructions first, calls with their outputs, the fields renamed", () => {
    const { body, request } = plan({
      instructions: "Be brief.",
      input: [
        { role: "user", content: "Add one." },
        { type: "function_call", call_id: "c1", name: "f", arguments: '{"a":1}' },
        { type: "function_call_output", call_id: "c1", output: "2" },
      ],
      tools: [tool],
      tool_choice: { type: "function", name: "f" },
      max_output_tokens: 30,
      reasoning: { effort: "low" },
      stream: true,
    });
    expect(body).toMatchObject({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Add one." },
        { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
        { role: "tool", tool_call_id: "c1", content: "2" },
      ],
      tools: [{ type: "function", function: { name: "f" } }],
      tool_choice: { type: "function", function: { name: "f" } },
      max_tokens: 30,
      reasoning_budget: 512,
      stream: true,
    });
    expect(request.job.tools?.choice).toEqual({ type: "function", name: "f" });
    expect(request.job.input).toMatchObject({ kind: "chat" });
  });

  it("puts the stored conversation before the new input", () => {
    const { body } = plan({ input: "And then?" }, [
      { id: "m1", type: "message", role: "user", content: [{ type: "input_text", text: "Once" }] },
      { id: "m2", type: "message", role: "assistant", content: [{ type: "output_text", text: "upon" }] },
    ]);
    expect(body.messages).toEqual([
      { role: "user", content: "Once" },
      { role: "assistant", content: "upon" },
      { role: "user", content: "And then?" },
    ]);
  });

  it("maps text.format to response_format", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(plan({ input: "x", text: { format: { type: "json_schema", name: "s", schema, strict: true } } }).body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "s", schema, strict: true },
    });
  });

  it("names the Responses fields in errors", () => {
    expect(paramOf({ input: [{ type: "function_call_output", call_id: "nope", output: "1" }] })).toBe("input[0].call_id");
    expect(paramOf({ input: [{ type: "function_call", call_id: "c", name: "f", arguments: "{" }, { type: "function_call_output", call_id: "c", output: "" }] })).toBe("input[0].arguments");
    expect(paramOf({ input: [{ type: "function_call", call_id: "c", name: "f", arguments: "{}" }] })).toBe("input[0].call_id");
    expect(paramOf({ input: "x", tools: [{ ...tool, parameters: { type: "string" } }] })).toBe("tools[0].parameters");
    expect(paramOf({ input: "x", tool_choice: { type: "function", name: "g" }, tools: [tool] })).toBe("tool_choice");
    expect(paramOf({ input: "x", tools: [tool], text: { format: { type: "json_object" } } })).toBe("text.format");
    expect(paramOf({ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] })).toBe("input[0].content[0].type");
    expect(paramOf({ input: "x", tools: [{ type: "file_search" }] })).toBe("tools[0].type");
    expect(paramOf({ input: "x", tool_choice: { type: "web_search_preview" } })).toBe("tool_choice.type");
    expect(paramOf({ input: "x", background: true })).toBe("background");
    expect(paramOf({ input: [] })).toBe("input");
  });
});
