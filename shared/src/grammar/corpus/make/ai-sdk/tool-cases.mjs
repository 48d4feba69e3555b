// generateText cases with tools: each tool's parameters becomes a fixture. Each case's function
// body, as written here, is the fixture's `code` (after sdk.mjs's HEADER).
import { generateText, tool, jsonSchema, createOpenAI, createOpenAICompatible, z, z3, OPENAI, COMPATIBLE } from "./sdk.mjs";

export const toolCases = {
  "tools": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateText({
      model: openai.chat("gpt-4o-mini"),
      tools: {
        getWeather: tool({
          description: "Get the weather in a location",
          inputSchema: z.object({
            location: z.string().describe("The location to get the weather for"),
            unit: z.enum(["celsius", "fahrenheit"]).optional(),
          }),
        }),
        createEvent: tool({
          description: "Create a calendar event",
          inputSchema: z.object({
            title: z.string().max(200),
            start: z.iso.datetime(),
            durationMinutes: z.number().int().min(5).max(480),
            attendees: z.array(z.email()).default([]),
            recurrence: z.discriminatedUnion("kind", [
              z.object({ kind: z.literal("none") }),
              z.object({ kind: z.literal("weekly"), weekdays: z.array(z.enum(["mo", "tu", "we", "th", "fr", "sa", "su"])).min(1) }),
            ]),
          }),
        }),
      },
      prompt: "What's the weather in Lisbon, and book a 30 minute call tomorrow at 10.",
      maxRetries: 0,
    });
  }],

  "tools-strict": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateText({
      model: openai.chat("gpt-4o-mini"),
      tools: {
        searchProducts: tool({
          description: "Search the product catalogue",
          inputSchema: z.object({
            query: z.string(),
            category: z.enum(["shoes", "jackets", "tops", "bottoms"]).nullable(),
            maxPrice: z.number().positive().nullable(),
            sizes: z.array(z.string()),
          }),
        }),
      },
      providerOptions: { openai: { strictJsonSchema: true } },
      prompt: "Find me red sneakers under 100 euros.",
      maxRetries: 0,
    });
  }],

  "tools-zod3-and-json-schema": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateText({
      model: openai.chat("gpt-4o-mini"),
      tools: {
        runSql: tool({
          description: "Run a read-only SQL query",
          inputSchema: z3.object({
            sql: z3.string().min(1),
            params: z3.array(z3.union([z3.string(), z3.number(), z3.boolean(), z3.null()])).optional(),
            limit: z3.number().int().max(1000).default(100),
          }),
        }),
        readFile: tool({
          description: "Read a file from the workspace",
          inputSchema: jsonSchema({
            type: "object",
            properties: {
              path: { type: "string", pattern: "^[\\w./-]+$" },
              range: {
                type: "array",
                prefixItems: [{ type: "integer", minimum: 1 }, { type: "integer", minimum: 1 }],
                items: false,
              },
            },
            required: ["path"],
          }),
        }),
      },
      prompt: "How many users signed up yesterday? The schema is in db/schema.sql.",
      maxRetries: 0,
    });
  }],

  "compatible-tools": [COMPATIBLE, async ({ baseURL }) => {
    const lantern = createOpenAICompatible({ name: "lantern", baseURL, apiKey: "sk-local", supportsStructuredOutputs: true });
    await generateText({
      model: lantern("qwen2.5-7b-instruct"),
      tools: {
        editFile: tool({
          description: "Replace text in a file",
          inputSchema: z.object({
            path: z.string(),
            edits: z.array(z.object({ oldText: z.string(), newText: z.string() })).min(1),
            dryRun: z.boolean().optional(),
          }),
        }),
      },
      prompt: "Rename foo to bar in src/index.ts.",
      maxRetries: 0,
    });
  }],
};
