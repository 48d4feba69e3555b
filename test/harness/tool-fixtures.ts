import type OpenAI from "openai";

// Two tools as clients declare them (one strict, with bounds and an enum) and a question that calls for one.

export type Tool = OpenAI.ChatCompletionFunctionTool;
export type Message = OpenAI.ChatCompletionMessageParam;

export const weatherParams = {
  type: "object",
  properties: {
    city: { type: "string", maxLength: 20 },
    days: { type: "integer" },
    unit: { enum: ["celsius", "fahrenheit"] },
  },
  required: ["city", "days", "unit"],
  additionalProperties: false,
};
export const weather: Tool = {
  type: "function",
  function: { name: "get_weather", description: "The weather in a city for the next days", parameters: weatherParams, strict: true },
};
export const clock: Tool = {
  type: "function",
  function: {
    name: "get_time",
    parameters: { type: "object", properties: { zone: { enum: ["utc", "cet"] } }, required: ["zone"], additionalProperties: false },
  },
};
export const tools = [weather, clock];
export const ask: Message[] = [{ role: "user", content: "What is the weather in Paris?" }];
