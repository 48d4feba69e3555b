import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatCompletionRequest, CompletionRequest, EmbeddingRequest, natsNames, toModelToken } from "@lantern/shared/contracts";
import { toApiError } from "../errors/render-error.js";
import { embedItems } from "./embedding-input.js";
import { chatLogprobsRequest, completionLogprobsRequest } from "./logprobs.js";
import { chatInput, choiceCount, completionInput, formatFrom, reasoningFrom, samplingFrom } from "./to-job.js";
import { toolRequestFrom } from "./tool-use.js";

/*
 * Properties of what the edge does with any body a client can send: parsing and turning a request
 * into a job either succeeds or fails as a 400 naming what was wrong; nothing else escapes (a
 * TypeError here would be a 500 at the edge). And a model name, whatever it holds, becomes exactly
 * one safe subject token.
 */

const RUNS = 400;

/** Values of every JSON kind, biased towards the shapes the fields expect and their edges. */
const anyValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(-1, 0, 1, 0.5, 2, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, "", "auto", "none", true, false, null, [], {}),
  fc.string({ unit: "binary" }),
);
const field = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, anyValue), { nil: undefined });

const message = fc.record(
  {
    role: field(fc.constantFrom("system", "user", "assistant", "tool", "developer")),
    content: field(fc.oneof(fc.string(), fc.array(fc.record({ type: fc.constantFrom("text", "image_url"), text: fc.string() })))),
    tool_calls: field(fc.array(fc.record({ id: fc.string(), type: fc.constant("function"), function: fc.record({ name: fc.string(), arguments: fc.string() }) }))),
    tool_call_id: field(fc.string()),
    reasoning_content: field(fc.string()),
  },
  { requiredKeys: [] },
);
const jsonSchema = fc.letrec((tie) => ({
  schema: fc.oneof(
    { depthSize: "small" },
    fc.record({ type: fc.constantFrom("string", "number", "integer", "boolean", "null") }),
    fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.string(), tie("schema")), required: fc.array(fc.string()) }),
    fc.record({ type: fc.constant("array"), items: tie("schema") }),
    fc.record({ enum: fc.array(fc.jsonValue()) }),
    fc.record({ anyOf: fc.array(tie("schema")) }),
    fc.dictionary(fc.string(), fc.jsonValue()),
  ),
})).schema;
const generation = {
  model: field(fc.string()),
  max_tokens: field(fc.integer()),
  temperature: field(fc.double()),
  top_p: field(fc.double()),
  stop: field(fc.oneof(fc.string(), fc.array(fc.string()))),
  seed: field(fc.integer()),
  stream: field(fc.boolean()),
  n: field(fc.integer({ min: -2, max: 200 })),
  logprobs: field(fc.oneof(fc.boolean(), fc.integer({ min: -2, max: 30 }))),
  logit_bias: field(fc.dictionary(fc.oneof(fc.nat().map(String), fc.string()), fc.double())),
  priority: field(fc.constantFrom("low", "normal", "high")),
  response_format: field(
    fc.oneof(
      fc.record({ type: fc.constantFrom("text", "json_object") }),
      fc.record({ type: fc.constant("json_schema"), json_schema: fc.record({ name: fc.string(), schema: jsonSchema }) }),
    ),
  ),
};
const chatBody = fc.record(
  {
    ...generation,
    messages: field(fc.array(message, { maxLength: 4 })),
    top_logprobs: field(fc.integer({ min: -2, max: 30 })),
    tools: field(fc.array(fc.record({ type: fc.constant("function"), function: fc.record({ name: fc.string(), parameters: jsonSchema }, { requiredKeys: ["name"] }) }), { maxLength: 3 })),
    tool_choice: field(fc.oneof(fc.constantFrom("none", "auto", "required"), fc.record({ type: fc.constant("function"), function: fc.record({ name: fc.string() }) }))),
    functions: field(fc.array(fc.record({ name: fc.string() }), { maxLength: 2 })),
    function_call: field(fc.oneof(fc.constantFrom("none", "auto"), fc.record({ name: fc.string() }))),
    reasoning_format: field(fc.constantFrom("auto", "none")),
    reasoning_budget: field(fc.integer()),
  },
  { requiredKeys: [] },
);
const completionBody = fc.record(
  {
    ...generation,
    prompt: field(fc.oneof(fc.string(), fc.array(fc.string()), fc.array(fc.integer()), fc.array(fc.array(fc.integer())))),
    echo: field(fc.boolean()),
    suffix: field(fc.string()),
    best_of: field(fc.integer({ min: -1, max: 5 })),
  },
  { requiredKeys: [] },
);
const embeddingBody = fc.record(
  {
    model: field(fc.string()),
    input: field(fc.oneof(fc.string(), fc.array(fc.string()), fc.array(fc.integer()), fc.array(fc.array(fc.integer())))),
    encoding_format: field(fc.constantFrom("float", "base64")),
    dimensions: field(fc.integer()),
  },
  { requiredKeys: [] },
);

/** Runs `build`; a failure must be what the edge renders as a 400 (a Zod issue or an ApiError). */
function expectOnlyClientErrors(build: () => unknown): void {
  try {
    build();
  } catch (err) {
    const apiError = toApiError(err);
    expect(apiError.status, String(err instanceof Error ? err.stack : err)).toBe(400);
    expect(apiError.message.length).toBeGreaterThan(0);
  }
}

describe("request parsing under arbitrary bodies", () => {
  it("a chat body becomes a job or a 400", () => {
    fc.assert(
      fc.property(chatBody, (body) =>
        expectOnlyClientErrors(() => {
          const req = ChatCompletionRequest.parse(body);
          const { toolUse } = toolRequestFrom(req);
          chatInput(req);
          samplingFrom(req);
          formatFrom(req);
          reasoningFrom(req);
          chatLogprobsRequest(req, { functionCalling: toolUse !== undefined });
          choiceCount(req);
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("a completion body becomes a job or a 400", () => {
    fc.assert(
      fc.property(completionBody, (body) =>
        expectOnlyClientErrors(() => {
          const req = CompletionRequest.parse(body);
          completionInput(req);
          samplingFrom(req);
          formatFrom(req);
          completionLogprobsRequest(req);
          choiceCount(req);
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("an embedding body becomes items or a 400", () => {
    fc.assert(
      fc.property(embeddingBody, (body) => {
        expectOnlyClientErrors(() => embedItems(EmbeddingRequest.parse(body).input));
      }),
      { numRuns: RUNS },
    );
  });

  it("any JSON value at all is parsed or refused, never thrown past the schema", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const schema of [ChatCompletionRequest, CompletionRequest, EmbeddingRequest]) expect(() => schema.safeParse(value)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});

describe("model names to subject tokens", () => {
  const names = natsNames();
  const anyName = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom(".", "*", ">", " ", "\t", "\r", "\n", "a", "-", "_", "/", "\0") }));

  it("every name becomes one token of safe characters, so a subject built from it has exactly its levels", () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const token = toModelToken(name);
        expect(token).toMatch(/^[a-z0-9_-]{1,64}$/);
        expect(names.subjects.inferJob(token, "normal").split(".")).toHaveLength(3);
      }),
      { numRuns: 2_000 },
    );
  });

  it("different names get different tokens, however alike they sanitise", () => {
    fc.assert(
      fc.property(anyName, anyName, (a, b) => {
        fc.pre(a !== b);
        expect(toModelToken(a)).not.toBe(toModelToken(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it("the same name always gets the same token", () => {
    fc.assert(
      fc.property(anyName, (name) => {
        expect(toModelToken(name)).toBe(toModelToken(name));
      }),
      { numRuns: 500 },
    );
  });
});
