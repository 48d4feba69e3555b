// generateObject cases: the request's response_format becomes the fixture. Each case's function
// body, as written here, is the fixture's `code` (after sdk.mjs's HEADER).
import { generateObject, jsonSchema, zodSchema, createOpenAI, createOpenAICompatible, z, z3, OPENAI, COMPATIBLE } from "./sdk.mjs";

export const objectCases = {
  "object-recipe": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({
        recipe: z.object({
          name: z.string(),
          ingredients: z.array(z.object({ name: z.string(), amount: z.string() })),
          steps: z.array(z.string()),
        }),
      }),
      prompt: "Generate a lasagna recipe.",
      maxRetries: 0,
    });
  }],

  "object-recipe-strict": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schemaName: "recipe",
      schemaDescription: "A recipe with ingredients and steps.",
      schema: z.object({
        name: z.string(),
        servings: z.number().int().min(1).max(12),
        ingredients: z.array(z.object({ name: z.string(), amount: z.string(), optional: z.boolean().nullable() })),
        steps: z.array(z.string()).min(1),
      }),
      providerOptions: { openai: { strictJsonSchema: true } },
      prompt: "Generate a lasagna recipe.",
      maxRetries: 0,
    });
  }],

  "object-integer-bounds": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({
        count: z.number().int(),
        page: z.int().positive(),
        offset: z.number().int().nonnegative(),
        year: z.number().int().min(1900).max(2100),
        small: z.int32(),
        ratio: z.number(),
      }),
      prompt: "Give me some numbers.",
      maxRetries: 0,
    });
  }],

  "object-optional-formats": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({
        id: z.uuid(),
        email: z.email(),
        name: z.string().min(1).max(80),
        nickname: z.string().optional(),
        phone: z.string().regex(/^\+[1-9]\d{6,14}$/).nullable(),
        signedUpAt: z.iso.datetime(),
        birthday: z.iso.date().optional(),
        plan: z.enum(["free", "pro", "team"]).default("free"),
      }),
      prompt: "Invent a user.",
      maxRetries: 0,
    });
  }],

  "object-discriminated-union": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({
        actions: z.array(
          z.discriminatedUnion("type", [
            z.object({ type: z.literal("click"), selector: z.string() }),
            z.object({ type: z.literal("type"), selector: z.string(), text: z.string() }),
            z.object({ type: z.literal("scroll"), direction: z.enum(["up", "down"]), amount: z.number().int().min(1) }),
            z.object({ type: z.literal("done") }),
          ]),
        ),
      }),
      prompt: "Plan the browser actions to log in.",
      maxRetries: 0,
    });
  }],

  "object-recursive": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    const Section = z.object({
      heading: z.string(),
      paragraphs: z.array(z.string()),
      get subsections() {
        return z.array(Section);
      },
    });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({ title: z.string(), sections: z.array(Section) }),
      prompt: "Outline an article about tides.",
      maxRetries: 0,
    });
  }],

  "object-record-tuple": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z.object({
        wordCounts: z.record(z.string(), z.number().int()),
        boundingBox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
        labels: z.array(z.tuple([z.string(), z.number().min(0).max(1)])),
      }),
      prompt: "Analyse the image description.",
      maxRetries: 0,
    });
  }],

  "object-use-references": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    const Person = z.object({ name: z.string(), role: z.string().optional() });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: zodSchema(z.object({ author: Person, reviewers: z.array(Person), approver: Person.nullable() }), { useReferences: true }),
      prompt: "Who worked on the change?",
      maxRetries: 0,
    });
  }],

  "output-array": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      output: "array",
      schema: z.object({
        name: z.string(),
        class: z.string().describe("Character class, e.g. warrior, mage, or thief."),
        description: z.string(),
      }),
      prompt: "Generate 3 hero descriptions for a fantasy role playing game.",
      maxRetries: 0,
    });
  }],

  "output-enum": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      output: "enum",
      enum: ["action", "comedy", "drama", "horror", "sci-fi"],
      prompt: "Classify the genre of this movie plot: ...",
      maxRetries: 0,
    });
  }],

  "json-schema-helper": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: jsonSchema({
        type: "object",
        properties: {
          city: { type: "string" },
          temperature: { type: "number", minimum: -90, maximum: 60 },
          conditions: { type: "string", enum: ["sunny", "cloudy", "rain", "snow"] },
        },
        required: ["city", "temperature", "conditions"],
        additionalProperties: false,
      }),
      prompt: "What is the weather like in Oslo?",
      maxRetries: 0,
    });
  }],

  "object-zod3": [OPENAI, async ({ baseURL }) => {
    const openai = createOpenAI({ baseURL, apiKey: "sk-local" });
    await generateObject({
      model: openai.chat("gpt-4o-mini"),
      schema: z3.object({
        title: z3.string(),
        priority: z3.enum(["low", "medium", "high"]),
        due: z3.string().datetime().optional(),
        estimateHours: z3.number().int().min(1).max(40),
        tags: z3.array(z3.string()).max(5),
        assignee: z3.object({ name: z3.string(), email: z3.string().email() }).nullable(),
      }),
      prompt: "Create a task from: 'fix the login bug by Friday, ~4h, for Ana'",
      maxRetries: 0,
    });
  }],

  "compatible-object": [COMPATIBLE, async ({ baseURL }) => {
    const lantern = createOpenAICompatible({ name: "lantern", baseURL, apiKey: "sk-local", supportsStructuredOutputs: true });
    await generateObject({
      model: lantern("qwen2.5-7b-instruct"),
      schemaName: "invoice",
      schema: z.object({
        invoiceNumber: z.string(),
        issuedOn: z.iso.date(),
        currency: z.string().regex(/^[A-Z]{3}$/),
        lines: z.array(z.object({ description: z.string(), quantity: z.number().int().positive(), unitPrice: z.number().nonnegative() })).min(1),
        total: z.number(),
        notes: z.string().nullable(),
      }),
      prompt: "Extract the invoice.",
      maxRetries: 0,
    });
  }],

  "compatible-recursive-lazy": [COMPATIBLE, async ({ baseURL }) => {
    const lantern = createOpenAICompatible({ name: "lantern", baseURL, apiKey: "sk-local", supportsStructuredOutputs: true });
    const Task = z.object({
      title: z.string(),
      done: z.boolean(),
      subtasks: z.lazy(() => z.array(Task)),
    });
    await generateObject({
      model: lantern("qwen2.5-7b-instruct"),
      schema: z.object({ project: z.string(), tasks: z.array(Task) }),
      prompt: "Break down 'launch the website' into tasks.",
      maxRetries: 0,
    });
  }],
};
