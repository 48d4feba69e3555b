import { describe, expect, it } from "vitest";
import { AnthropicMessagesRequest } from "@lantern/shared/contracts";
import { ApiError } from "../errors/api-error.js";
import { messagesJob } from "./to-job.js";

const weather = { name: "weather", description: "Weather in a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

const job = (body: Record<string, unknown>) => messagesJob(AnthropicMessagesRequest.parse({ model: "m", max_tokens: 16, ...body }));

/** The 400 a request gets: its status and the field it names. */
function refusal(body: Record<string, unknown>): { status: number; param: string | null; message: string } {
  try {
    job(body);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, param: err.param, message: err.message };
    const issue = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues?.[0];
    if (issue) return { status: 400, param: issue.path.join("."), message: issue.message };
    throw err;
  }
  throw new Error("accepted");
}

describe("a Messages request as its job", () => {
  it("takes the system prompt, text blocks and sampling; stop_sequences stop, top_k travels as topK", () => {
    const { job: spec, openAiBody } = job({
      system: [{ type: "text", text: "Be brief." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Once" }, { type: "text", text: "upon a time", cache_control: { type: "ephemeral" } }] }],
      temperature: 0,
      top_p: 0.5,
      top_k: 5,
      stop_sequences: ["The end"],
      metadata: { user_id: "u1" },
      unknown_field: true,
    });
    expect(spec.input).toEqual({
      kind: "chat",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Once\nupon a time" },
      ],
    });
    expect(spec.sampling).toMatchObject({ maxTokens: 16, temperature: 0, topP: 0.5, topK: 5, stop: ["The end"] });
    expect(spec.tools).toBeUndefined();
    expect(openAiBody).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Once\nupon a time" },
      ],
      max_tokens: 16,
      temperature: 0,
      top_p: 0.5,
      stop: ["The end"],
    });
  });

  it("pairs tool_use blocks with the tool_result blocks after them, thoughts kept with their turn", () => {
    const { job: spec, openAiBody } = job({
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Look it up.", signature: "sig" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "Sunny" }] }, { type: "text", text: "And?" }] },
      ],
    });
    expect(spec.input.kind === "chat" && spec.input.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Checking.", reasoning: "Look it up.", toolCalls: [{ name: "weather", arguments: '{"city":"Paris"}', result: "Sunny" }] },
      { role: "user", content: "And?" },
    ]);
    expect(spec.tools).toEqual({ tools: [{ name: "weather", description: "Weather in a city", parameters: weather.input_schema }], choice: { type: "auto" }, parallel: true });
    expect(openAiBody.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Checking.",
        reasoning_content: "Look it up.",
        tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "Sunny" },
      { role: "user", content: "And?" },
    ]);
    expect(openAiBody).toMatchObject({ tool_choice: "auto", parallel_tool_calls: true, tools: [{ type: "function", function: { name: "weather", parameters: weather.input_schema } }] });
  });

  it("maps tool_choice: any is required, tool names a function, none offers nothing, parallel use can be turned off", () => {
    const messages = [{ role: "user", content: "hi" }];
    expect(job({ messages, tools: [weather], tool_choice: { type: "any", disable_parallel_tool_use: true } }).job.tools).toMatchObject({ choice: { type: "required" }, parallel: false });
    const named = job({ messages, tools: [weather], tool_choice: { type: "tool", name: "weather" } });
    expect(named.job.tools?.choice).toEqual({ type: "function", name: "weather" });
    expect(named.openAiBody.tool_choice).toEqual({ type: "function", function: { name: "weather" } });
    const none = job({ messages, tools: [weather], tool_choice: { type: "none" } });
    expect(none.job.tools).toBeUndefined();
    expect(none.openAiBody.tool_choice).toBe("none");
  });

  it("maps thinking to the reasoning budget: enabled with its budget, disabled as none, absent as the model's default", () => {
    const messages = [{ role: "user", content: "hi" }];
    const enabled = job({ messages, max_tokens: 40, thinking: { type: "enabled", budget_tokens: 10 } });
    expect(enabled.job.reasoning).toEqual({ inline: false, maxTokens: 10 });
    expect(enabled.openAiBody.reasoning_budget).toBe(10);
    expect(job({ messages, thinking: { type: "disabled" } }).job.reasoning).toEqual({ inline: false, maxTokens: 0 });
    expect(job({ messages }).job.reasoning).toBeUndefined();
  });

  it("refuses what it cannot honour, naming the field", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } };
    expect(refusal({ messages: [{ role: "user", content: [image] }] })).toMatchObject({ status: 400, param: "messages[0].content[0].type" });
    expect(refusal({ messages: [{ role: "user", content: [{ type: "document", source: {} }] }] })).toMatchObject({ param: "messages[0].content[0].type" });
    const toolResultImage = [{ type: "tool_result", tool_use_id: "t", content: [image] }];
    expect(
      refusal({
        tools: [weather],
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "tool_use", id: "t", name: "weather", input: {} }] },
          { role: "user", content: toolResultImage },
        ],
      }),
    ).toMatchObject({ param: "messages[2].content[0].content[0].type" });
    const search = { type: "web_search_20250305", name: "web_search", max_uses: 3 };
    expect(refusal({ messages: [{ role: "user", content: "hi" }], tools: [search] })).toMatchObject({ status: 400, param: "tools[0].type" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], mcp_servers: [{ type: "url", url: "https://x", name: "x" }] })).toMatchObject({ param: "mcp_servers" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], tools: [{ name: "bad", input_schema: { type: "string" } }] })).toMatchObject({ param: "tools[0].input_schema" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], tool_choice: { type: "any" } })).toMatchObject({ param: "tool_choice.type" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], tools: [weather], tool_choice: { type: "tool", name: "other" } })).toMatchObject({ param: "tool_choice.name" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], max_tokens: 10, thinking: { type: "enabled", budget_tokens: 10 } })).toMatchObject({ param: "thinking.budget_tokens" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], stop_sequences: ["a", "b", "c", "d", "e"] })).toMatchObject({ param: "stop_sequences" });
    expect(refusal({ messages: [{ role: "user", content: "hi" }], max_tokens: undefined })).toMatchObject({ param: "max_tokens" });
  });

  it("requires every tool_use to be answered right after it, and every tool_result to answer one", () => {
    const call = { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "weather", input: { city: "Oslo" } }] };
    expect(refusal({ tools: [weather], messages: [{ role: "user", content: "hi" }, call, { role: "user", content: "never mind" }] })).toMatchObject({
      param: "messages[1].content[0]",
      message: expect.stringContaining("tool_result"),
    });
    expect(
      refusal({ tools: [weather], messages: [{ role: "user", content: "hi" }, call, { role: "user", content: [{ type: "tool_result", tool_use_id: "t2", content: "x" }] }] }),
    ).toMatchObject({ param: "messages[2].content[0].tool_use_id" });
    expect(refusal({ messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "weather", input: {} }] }] })).toMatchObject({ param: "messages[0].content[0].type" });
  });
});
