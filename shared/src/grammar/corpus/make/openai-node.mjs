// openai-node fixtures: the request bodies that `client.chat.completions.parse(...)` sends with
// `zodResponseFormat(...)` / `zodFunction(...)` from "openai/helpers/zod", captured by a local HTTP
// server (capture.mjs). Uses the `openai` and `zod` packages the repository has installed (root).
//
//   node shared/src/grammar/corpus/make/openai-node.mjs
import { createRequire } from "node:module";
import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import { bodyOf, fromResponseFormat, fromTool, startRecorder, writeFixture } from "./capture.mjs";

const require = createRequire(import.meta.url);
const versionOf = (name) => {
  // Not every package exports ./package.json; read it next to the resolved entry point.
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length);
  return JSON.parse(require("node:fs").readFileSync(`${root}package.json`, "utf8")).version;
};
const SOURCE = `openai-node ${versionOf("openai")} (zod ${versionOf("zod")})`;
const HEADER = [
  'import OpenAI from "openai";',
  'import { zodFunction, zodResponseFormat } from "openai/helpers/zod";',
  'import { z } from "zod";',
  "",
  "// baseURL: the local recording server, http://127.0.0.1:<port>/v1",
  "",
].join("\n");

const cases = {
  "math-reasoning": async ({ baseURL }) => {
    const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
    const Step = z.object({ explanation: z.string(), output: z.string() });
    const MathReasoning = z.object({ steps: z.array(Step), final_answer: z.string() });
    await client.chat.completions.parse({
      model: "gpt-4o-2024-08-06",
      messages: [
        { role: "system", content: "You are a helpful math tutor. Guide the user through the solution step by step." },
        { role: "user", content: "how can I solve 8x + 7 = -23" },
      ],
      response_format: zodResponseFormat(MathReasoning, "math_reasoning"),
    });
  },

  "nullable-constraints": async ({ baseURL }) => {
    const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
    const Candidate = z.object({
      name: z.string().min(1),
      email: z.email().nullable(),
      yearsOfExperience: z.number().int().min(0).max(60),
      level: z.enum(["junior", "mid", "senior"]),
      skills: z.array(z.string()).max(10),
      salary: z.object({ amount: z.number().positive(), currency: z.string().regex(/^[A-Z]{3}$/) }).nullable(),
      availableFrom: z.iso.date().nullable(),
    });
    await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Extract the candidate from this CV: ..." }],
      response_format: zodResponseFormat(Candidate, "candidate"),
    });
  },

  "discriminated-union": async ({ baseURL }) => {
    const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
    const Reply = z.object({
      result: z.discriminatedUnion("status", [
        z.object({ status: z.literal("ok"), answer: z.string(), citations: z.array(z.number().int()) }),
        z.object({ status: z.literal("need_more_info"), question: z.string() }),
        z.object({ status: z.literal("refuse"), reason: z.enum(["unsafe", "out_of_scope"]) }),
      ]),
    });
    await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "What is our refund policy?" }],
      response_format: zodResponseFormat(Reply, "reply"),
    });
  },

  "recursive-ui": async ({ baseURL }) => {
    const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
    const UI = z.object({
      type: z.enum(["div", "button", "header", "section", "field", "form"]),
      label: z.string(),
      get children() {
        return z.array(UI);
      },
      attributes: z.array(z.object({ name: z.string(), value: z.string() })),
    });
    await client.chat.completions.parse({
      model: "gpt-4o-2024-08-06",
      messages: [{ role: "user", content: "Make a User Profile Form" }],
      response_format: zodResponseFormat(UI, "ui"),
    });
  },

  "tool-query": async ({ baseURL }) => {
    const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
    const Table = z.enum(["orders", "customers", "products"]);
    const Column = z.enum(["id", "status", "expected_delivery_date", "delivered_at", "shipped_at", "ordered_at", "canceled_at"]);
    const Operator = z.enum(["=", ">", "<", "<=", ">=", "!="]);
    const OrderBy = z.enum(["asc", "desc"]);
    const DynamicValue = z.object({ column_name: z.string() });
    const Condition = z.object({ column: z.string(), operator: Operator, value: z.union([z.string(), z.number(), DynamicValue]) });
    const QueryArgs = z.object({ table_name: Table, columns: z.array(Column), conditions: z.array(Condition), order_by: OrderBy });
    await client.chat.completions.parse({
      model: "gpt-4o-2024-08-06",
      messages: [{ role: "user", content: "look up all my orders in may of last year that were fulfilled but not delivered on time" }],
      tools: [zodFunction({ name: "query", parameters: QueryArgs })],
    });
  },
};

const recorder = await startRecorder();
try {
  for (const [name, fn] of Object.entries(cases)) {
    const body = await recorder.capture(() => fn({ baseURL: recorder.baseURL }));
    const viaTool = Array.isArray(body.tools) && body.response_format === undefined;
    writeFixture(`openai-node-${name}.json`, {
      source: `${SOURCE} chat.completions.parse request (${viaTool ? "zodFunction" : "zodResponseFormat"})`,
      code: HEADER + bodyOf(fn),
      ...(viaTool ? fromTool(body) : fromResponseFormat(body)),
    });
  }
} finally {
  await recorder.close();
}
