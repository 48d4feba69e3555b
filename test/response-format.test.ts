import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { schemaValidator } from "@lantern/shared/testing";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";

const sdk = useSdkStack();

const story = [{ role: "user" as const, content: "Once upon a time" }];

const petSchema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 12 },
    kind: { enum: ["cat", "dog", "bird"] },
    age: { type: "integer" },
  },
  required: ["name", "kind", "age"],
  additionalProperties: false,
} as const;

// The same constraints, checked independently of the grammar that enforced them.
function expectPet(text: string): { name: string; kind: string; age: number } {
  const pet = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(pet).sort()).toEqual(["age", "kind", "name"]);
  expect(typeof pet.name).toBe("string");
  expect((pet.name as string).length).toBeLessThanOrEqual(12);
  expect(["cat", "dog", "bird"]).toContain(pet.kind);
  expect(Number.isInteger(pet.age)).toBe(true);
  return pet as { name: string; kind: string; age: number };
}

const petFormat = {
  type: "json_schema" as const,
  json_schema: { name: "pet", strict: true, schema: petSchema },
};

/** Closes an unfinished JSON text: the open string, a key's missing value, the open brackets. */
function closeJsonPrefix(text: string): string {
  const open: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") open.push(ch === "{" ? "}" : "]");
    else if (ch === "}" || ch === "]") open.pop();
  }
  let closed = (inString ? text + '"' : text).trimEnd().replace(/,$/, "");
  if (closed.endsWith(":")) closed += "null";
  // A key with no colon yet: inside an object, after "{" or ",".
  else if (open.at(-1) === "}" && /[{,]\s*"(?:[^"\\]|\\.)*"$/.test(closed)) closed += ":null";
  return closed + open.reverse().join("");
}

async function status400(call: Promise<unknown>) {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const apiErr = err as InstanceType<typeof OpenAI.APIError>;
  expect(apiErr.status).toBe(400);
  return apiErr;
}

describe("response_format", () => {
  it("json_object constrains the reply to JSON, cut only by max_tokens", async () => {
    // The bundled story model never chooses to close an object, so the reply ends at max_tokens;
    // closing what is open must then give a JSON object, which free text never would.
    const res = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: story,
      response_format: { type: "json_object" },
      max_tokens: 120,
      temperature: 0,
      seed: 3,
    });
    const content = res.choices[0]!.message.content!;
    expect(content.startsWith("{")).toBe(true);
    const parsed: unknown = JSON.parse(closeJsonPrefix(content));
    expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
  });

  it("json_schema gives JSON that validates against the schema", async () => {
    const res = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: story,
      response_format: petFormat,
      max_tokens: 200,
      temperature: 0.8,
      seed: 11,
    });
    expect(res.choices[0]!.finish_reason).toBe("stop");
    expectPet(res.choices[0]!.message.content!);
  });

  it("json_schema also constrains /v1/completions", async () => {
    const res = await sdk.client.completions.create({
      model: BUNDLED_MODEL,
      prompt: "Once upon a time",
      max_tokens: 200,
      temperature: 0,
      seed: 5,
      // Not in the SDK's completion types; the gateway accepts it on both endpoints.
      ...({ response_format: petFormat } as object),
    });
    expectPet(res.choices[0]!.text);
  });

  it("streams the same JSON as the non-streamed answer for the same seed at temperature 0", async () => {
    const params = { model: BUNDLED_MODEL, messages: story, response_format: petFormat, max_tokens: 200, temperature: 0, seed: 21 };
    const whole = await sdk.client.chat.completions.create(params);
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe("stop");
    expectPet(text);
  });

  it("refuses a schema the grammar cannot enforce, naming the schema param", async () => {
    const err = await status400(
      sdk.client.chat.completions.create({
        model: BUNDLED_MODEL,
        messages: story,
        response_format: {
          type: "json_schema",
          json_schema: { name: "bounded", schema: { type: "object", properties: { n: { not: { type: "integer" } } } } },
        },
      }),
    );
    expect(err.param).toBe("response_format.json_schema.schema");
    expect(err.code).toBe("unsupported_schema");
    expect(err.message).toContain("'not' at /properties/n");
  });

  it("refuses a malformed response_format with the path of the bad field", async () => {
    const missingSchema = await status400(
      sdk.client.chat.completions.create({
        model: BUNDLED_MODEL,
        messages: story,
        response_format: { type: "json_schema", json_schema: { name: "x" } } as never,
      }),
    );
    expect(missingSchema.param).toBe("response_format.json_schema.schema");
    const unknownType = await status400(
      sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: story, response_format: { type: "yaml" } as never }),
    );
    expect(unknownType.param).toBe("response_format.type");
  });
});

describe("schemas as client helpers write them", () => {
  // The table: what Pydantic and the AI SDK send for everyday fields.
  const cases: [string, Record<string, unknown>][] = [
    ["Optional[str] = None", { type: "object", properties: { nickname: { anyOf: [{ type: "string", maxLength: 10 }, { type: "null" }], default: null } }, required: ["nickname"] }],
    ["Field(ge=0, le=120)", { type: "object", properties: { age: { type: "integer", minimum: 0, maximum: 120 } }, required: ["age"] }],
    ["Literal['cat', 'dog']", { type: "object", properties: { kind: { type: "string", enum: ["cat", "dog"] } }, required: ["kind"] }],
    ["Field(pattern=r'^[A-Z]{3}$')", { type: "object", properties: { code: { type: "string", pattern: "^[A-Z]{3}$" } }, required: ["code"] }],
    ["z.number().int()", { type: "object", properties: { n: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 } }, required: ["n"] }],
  ];

  it.each(cases)("%s is enforced and validates", async (_name, schema) => {
    const valid = schemaValidator(schema);
    for (const seed of [1, 2]) {
      const res = await sdk.client.chat.completions.create({
        model: BUNDLED_MODEL,
        messages: story,
        response_format: { type: "json_schema", json_schema: { name: "x", strict: true, schema } },
        max_tokens: 300,
        temperature: 1,
        seed,
      });
      const text = res.choices[0]!.message.content!;
      expect(res.choices[0]!.finish_reason, text).toBe("stop");
      expect(valid(JSON.parse(text)), text).toBe(true);
    }
  });

  it("the SDK's parse helper with a zod schema gets a parsed object", async () => {
    const Pet = z.object({ name: z.string().max(12), age: z.number().int().min(0).max(30), kind: z.enum(["cat", "dog"]), nickname: z.string().max(8).nullable() });
    const res = await sdk.client.chat.completions.parse({
      model: BUNDLED_MODEL,
      messages: story,
      response_format: zodResponseFormat(Pet, "pet"),
      max_tokens: 300,
      seed: 4,
    });
    const parsed = res.choices[0]!.message.parsed;
    expect(Pet.safeParse(parsed).success).toBe(true);
  });
});

describe("grammar (GBNF)", () => {
  const yesNo = 'root ::= answer "."\nanswer ::= "yes" | "no"\n';

  it("constrains chat and completions to the grammar", async () => {
    const chat = await sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: story, max_tokens: 20, seed: 2, ...({ grammar: yesNo } as object) });
    expect(["yes.", "no."]).toContain(chat.choices[0]!.message.content);
    expect(chat.choices[0]!.finish_reason).toBe("stop");
    const completion = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once", max_tokens: 20, seed: 3, ...({ grammar: yesNo } as object) });
    expect(["yes.", "no."]).toContain(completion.choices[0]!.text);
  });

  it("a grammar that does not parse is a 400 with its line and column", async () => {
    const err = await status400(
      sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: story, ...({ grammar: 'root ::= "a"\nnext ::= ( "b" ' } as object) }),
    );
    expect(err.param).toBe("grammar");
    expect(err.message).toMatch(/line 2, column \d+/);
  });

  it("a grammar with a response_format is a 400", async () => {
    const err = await status400(
      sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: story, response_format: { type: "json_object" }, ...({ grammar: yesNo } as object) }),
    );
    expect(err.param).toBe("grammar");
  });
});
