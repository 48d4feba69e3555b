import OpenAI from "openai";
import { describe, expect, it } from "vitest";
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
          json_schema: { name: "bounded", schema: { type: "object", properties: { n: { type: "integer", minimum: 3 } } } },
        },
      }),
    );
    expect(err.param).toBe("response_format.json_schema.schema");
    expect(err.code).toBe("unsupported_schema");
    expect(err.message).toContain("minimum");
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
