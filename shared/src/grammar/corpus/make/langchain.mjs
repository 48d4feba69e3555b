// LangChain.js fixtures: the request bodies that `ChatOpenAI.withStructuredOutput(...)` and
// `ChatOpenAI.bindTools(...)` send, captured by a local HTTP server (capture.mjs) that stands in
// for the OpenAI API. LangChain and zod come from the scratch install in .data/ (see ../README.md).
//
//   node shared/src/grammar/corpus/make/langchain.mjs
import { bodyOf, fromResponseFormat, fromTool, startRecorder, tool as load, toolVersion, writeFixture } from "./capture.mjs";

const { ChatOpenAI } = load("@langchain/openai");
const { tool } = load("@langchain/core/tools");
const { z } = load("zod");
const z3 = load("zod/v3").z;

const VERSIONS = `@langchain/openai ${toolVersion("@langchain/openai")} + @langchain/core ${toolVersion("@langchain/core")}, zod ${toolVersion("zod")}`;
const HEADER = [
  'import { ChatOpenAI } from "@langchain/openai";',
  'import { tool } from "@langchain/core/tools";',
  'import { z } from "zod";',
  'import { z as z3 } from "zod/v3";',
  "",
  "// baseURL: the local recording server, http://127.0.0.1:<port>/v1",
  "",
].join("\n");

/**
 * withStructuredOutput cases. The recursive ones use z.lazy: with getter recursion
 * (`get children() { return z.array(Node) }`) @langchain/core 1.4.0 overflows the stack in
 * interopZodTransformInputSchema before any request is sent, so there is nothing to capture.
 */
const structuredCases = {
  "json-schema": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Joke = z.object({
      setup: z.string().describe("The setup of the joke"),
      punchline: z.string().describe("The punchline to the joke"),
      rating: z.number().int().min(1).max(10).optional().describe("How funny the joke is, from 1 to 10"),
    });
    await model.withStructuredOutput(Joke, { name: "joke", method: "jsonSchema" }).invoke("Tell me a joke about cats");
  },

  "json-schema-strict": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Person = z.object({
      name: z.string(),
      age: z.number().int().nullable(),
      email: z.email().nullable(),
      address: z.object({ street: z.string(), city: z.string(), country: z.string().length(2) }).nullable(),
      hobbies: z.array(z.string()),
    });
    await model
      .withStructuredOutput(Person, { name: "person", method: "jsonSchema", strict: true })
      .invoke("Alan, 41, lives at 1 Main St, Springfield, US; likes chess.");
  },

  "default-method": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Classification = z.object({
      sentiment: z.enum(["positive", "neutral", "negative"]),
      aggressiveness: z.number().int().min(1).max(5).describe("How aggressive the text is on a scale from 1 to 5"),
      language: z.string().describe("The language the text is written in"),
    });
    await model.withStructuredOutput(Classification).invoke("Estoy increiblemente contento de haberte conocido!");
  },

  "function-calling": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Joke = z.object({
      setup: z.string().describe("The setup of the joke"),
      punchline: z.string().describe("The punchline to the joke"),
      rating: z.number().int().min(1).max(10).optional().describe("How funny the joke is, from 1 to 10"),
    });
    await model.withStructuredOutput(Joke, { name: "joke", method: "functionCalling" }).invoke("Tell me a joke about cats");
  },

  "function-calling-strict": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Extraction = z.object({
      people: z.array(
        z.object({
          name: z.string(),
          hairColor: z.string().nullable().describe("The color of the person's hair if known"),
          heightInMeters: z.number().nullable().describe("Height measured in meters"),
        }),
      ),
    });
    await model
      .withStructuredOutput(Extraction, { name: "extract_people", method: "functionCalling", strict: true })
      .invoke("Alan Smith is 6 feet tall and has blond hair. Jeff is 1.7m with brown hair.");
  },

  "legacy-model-default": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Answer = z.object({
      answer: z.string(),
      confidence: z.number().min(0).max(1),
      sources: z.array(z.url()).max(3),
    });
    await model.withStructuredOutput(Answer, { name: "answer" }).invoke("What is the capital of Australia?");
  },

  "recursive": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Node = z.object({
      label: z.string(),
      children: z.lazy(() => z.array(Node)),
    });
    await model.withStructuredOutput(z.object({ root: Node }), { name: "mind_map", method: "jsonSchema" }).invoke("Mind map of cooking.");
  },

  "recursive-function-calling": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Node = z.object({
      label: z.string(),
      children: z.lazy(() => z.array(Node)),
    });
    await model
      .withStructuredOutput(z.object({ root: Node }), { name: "mind_map", method: "functionCalling" })
      .invoke("Mind map of cooking.");
  },

  "union-record-tuple": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Result = z.object({
      kind: z.discriminatedUnion("type", [
        z.object({ type: z.literal("text"), text: z.string() }),
        z.object({ type: z.literal("table"), columns: z.array(z.string()), rows: z.array(z.array(z.string())) }),
      ]),
      scores: z.record(z.string(), z.number()),
      span: z.tuple([z.number().int(), z.number().int()]),
      note: z.union([z.string(), z.number()]).optional(),
    });
    await model.withStructuredOutput(Result, { name: "result", method: "jsonSchema" }).invoke("Summarise the data.");
  },

  // zod 3 schemas go through openai's zodResponseFormat here, which throws on a field that is
  // `.optional()` without `.nullable()` (strict: false does not change that), so none is used.
  "zod3-json-schema": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Movie = z3.object({
      title: z3.string(),
      year: z3.number().int().min(1888),
      genres: z3.array(z3.enum(["action", "comedy", "drama", "horror", "sci-fi"])).min(1),
      director: z3.string().nullable(),
      rating: z3.number().min(0).max(10).nullable(),
    });
    await model.withStructuredOutput(Movie, { name: "movie", method: "jsonSchema" }).invoke("Tell me about Alien.");
  },

  "zod3-function-calling": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const Category = z3.lazy(() => z3.object({ name: z3.string(), children: z3.array(Category) }));
    const Taxonomy = z3.object({ domain: z3.string(), categories: z3.array(Category) });
    await model
      .withStructuredOutput(Taxonomy, { name: "taxonomy", method: "functionCalling" })
      .invoke("Build a small product taxonomy for a bike shop.");
  },

  "plain-json-schema": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const schema = {
      title: "Invoice",
      description: "An invoice extracted from a document",
      type: "object",
      properties: {
        number: { type: "string" },
        date: { type: "string", format: "date" },
        total: { type: "number", minimum: 0 },
        lines: {
          type: "array",
          items: {
            type: "object",
            properties: { label: { type: "string" }, amount: { type: "number" } },
            required: ["label", "amount"],
          },
        },
      },
      required: ["number", "date", "total", "lines"],
    };
    await model.withStructuredOutput(schema, { method: "jsonSchema" }).invoke("Invoice 42 from 2024-05-01, total 99.5");
  },
};

/** bindTools cases: each tool's parameters becomes a fixture. */
const toolCases = {
  "bind-tools": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const getWeather = tool(async ({ location }) => `It's sunny in ${location}`, {
      name: "get_weather",
      description: "Get the current weather for a location",
      schema: z.object({
        location: z.string().describe("City and country, e.g. Paris, France"),
        unit: z.enum(["celsius", "fahrenheit"]).default("celsius"),
      }),
    });
    const searchDocs = tool(async () => "[]", {
      name: "search_docs",
      description: "Search the documentation",
      schema: z.object({
        query: z.string().min(2),
        topK: z.number().int().min(1).max(20).optional(),
        filters: z.object({ section: z.string().optional(), updatedAfter: z.iso.date().optional() }).optional(),
      }),
    });
    await model.bindTools([getWeather, searchDocs]).invoke("What's the weather in Paris and how do I reset my password?");
  },

  "bind-tools-strict": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const createTicket = tool(async () => "ok", {
      name: "create_ticket",
      description: "Open a support ticket",
      schema: z.object({
        title: z.string().max(120),
        severity: z.enum(["low", "medium", "high", "critical"]),
        component: z.string().nullable(),
        labels: z.array(z.string()),
      }),
    });
    await model.bindTools([createTicket], { strict: true }).invoke("The checkout page crashes for everyone!");
  },

  "bind-tools-mixed": async ({ baseURL }) => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-local", configuration: { baseURL }, maxRetries: 0 });
    const calculator = tool(async ({ a, b, op }) => String(op === "add" ? a + b : a * b), {
      name: "calculator",
      description: "Add or multiply two numbers",
      schema: z3.object({ a: z3.number(), b: z3.number(), op: z3.enum(["add", "multiply"]) }),
    });
    const openAiStyle = {
      type: "function",
      function: {
        name: "lookup_order",
        description: "Look up an order by id",
        parameters: {
          type: "object",
          properties: { orderId: { type: "string", pattern: "^ORD-[0-9]{6}$" }, includeItems: { type: "boolean" } },
          required: ["orderId"],
        },
      },
    };
    await model.bindTools([calculator, openAiStyle]).invoke("What's 6 times 7, and where is ORD-123456?");
  },
};

const recorder = await startRecorder();
try {
  for (const [name, fn] of Object.entries(structuredCases)) {
    const body = await recorder.capture(() => fn({ baseURL: recorder.baseURL }));
    const sentAs = body.response_format?.type === "json_schema" ? fromResponseFormat(body) : fromTool(body);
    const how = sentAs.via === "response_format" ? "response_format" : "tool call";
    writeFixture(`langchain-wso-${name}.json`, {
      source: `langchain-js ${VERSIONS} withStructuredOutput request (sent as ${how})`,
      code: HEADER + bodyOf(fn),
      ...sentAs,
    });
  }
  for (const [name, fn] of Object.entries(toolCases)) {
    const body = await recorder.capture(() => fn({ baseURL: recorder.baseURL }));
    for (let i = 0; i < body.tools.length; i++) {
      const entry = fromTool(body, i);
      writeFixture(`langchain-${name}-${entry.name}.json`, {
        source: `langchain-js ${VERSIONS} bindTools request`,
        code: HEADER + bodyOf(fn),
        ...entry,
      });
    }
  }
} finally {
  await recorder.close();
}
