import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schemaValidator } from "../testing/schema-validator.js";
import { gbnfMatches } from "./gbnf-match.js";
import { GbnfSampler } from "./gbnf-sample.js";
import { jsonSchemaToGbnf, UnsupportedSchemaError } from "./index.js";

type Schema = Record<string, unknown>;

/** Every sampled sentence of the schema's grammar is JSON that a standard validator accepts. */
function expectSamplesValid(schema: Schema, samples = 60, seed = 1): void {
  const valid = schemaValidator(schema);
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const sampler = new GbnfSampler(jsonSchemaToGbnf(schema), random);
  for (let i = 0; i < samples; i++) {
    const text = sampler.sample();
    expect(valid(JSON.parse(text)), `${JSON.stringify(schema)} gave ${text}`).toBe(true);
  }
}

const accepts = (schema: Schema, text: string) => gbnfMatches(jsonSchemaToGbnf(schema), text);

function refusal(schema: unknown): UnsupportedSchemaError {
  try {
    jsonSchemaToGbnf(schema);
  } catch (err) {
    if (err instanceof UnsupportedSchemaError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(schema)} was not refused`);
}

describe("what client helpers send is enforced", () => {
  const object = (properties: Schema, required = Object.keys(properties)) => ({ type: "object", properties, required, additionalProperties: false });

  it("Optional[str] = None: a string or null", () => {
    const schema = object({ nickname: { anyOf: [{ type: "string" }, { type: "null" }], default: null } }, []);
    expect(accepts(schema, '{"nickname": null}')).toBe(true);
    expect(accepts(schema, '{"nickname": "Bo"}')).toBe(true);
    expect(accepts(schema, "{}")).toBe(true);
    expect(accepts(schema, '{"nickname": 3}')).toBe(false);
    expectSamplesValid(schema);
  });

  it("Field(ge=0, le=120): exactly the integers in range", () => {
    const schema = object({ age: { type: "integer", minimum: 0, maximum: 120 } });
    for (let n = -130; n <= 130; n++) expect(accepts(schema, `{"age":${n}}`), String(n)).toBe(n >= 0 && n <= 120);
    expect(accepts(schema, '{"age":007}')).toBe(false);
  });

  it("Literal with a type, and a pattern", () => {
    const schema = object({ kind: { type: "string", enum: ["cat", "dog"] }, code: { type: "string", pattern: "^[A-Z]{3}$" } });
    expect(accepts(schema, '{"kind":"cat","code":"ABC"}')).toBe(true);
    expect(accepts(schema, '{"kind":"cow","code":"ABC"}')).toBe(false);
    expect(accepts(schema, '{"kind":"dog","code":"ABCD"}')).toBe(false);
    expectSamplesValid(schema);
  });

  it("z.number().int() bounds of the AI SDK", () => {
    const schema = { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 };
    expect(accepts(schema, "9007199254740991")).toBe(true);
    expect(accepts(schema, "9007199254740992")).toBe(false);
    expect(accepts(schema, "-9007199254740991")).toBe(true);
    expect(accepts(schema, "-9007199254740992")).toBe(false);
    expectSamplesValid(schema, 200);
  });

  it("a pattern with lengths: constr(pattern='^[0-9A-F]+$', min_length=8, max_length=8)", () => {
    const schema = { type: "string", pattern: "^[0-9A-F]+$", minLength: 8, maxLength: 8 };
    expect(accepts(schema, '"0123ABCD"')).toBe(true);
    expect(accepts(schema, '"0123ABC"')).toBe(false);
    expect(accepts(schema, '"0123ABCDE"')).toBe(false);
    expectSamplesValid({ type: "string", pattern: "^[a-z]{2,30}$", maxLength: 5 });
    expectSamplesValid({ type: "string", pattern: "^x[0-9]{3}$", minLength: 2, maxLength: 10 });
    expect(refusal({ type: "string", pattern: "^(ab)+$", maxLength: 5 }).keyword).toBe("pattern");
  });

  it("properties keep their order; optional ones may be left out, extras never", () => {
    const schema = { type: "object", properties: { a: { type: "integer" }, b: { type: "boolean" }, c: { type: "null" } }, required: ["b"] };
    expect(accepts(schema, '{"b":true}')).toBe(true);
    expect(accepts(schema, '{"a":1,"b":true,"c":null}')).toBe(true);
    expect(accepts(schema, '{"b":true,"c":null}')).toBe(true);
    expect(accepts(schema, '{"a":1}')).toBe(false);
    expect(accepts(schema, '{"b":true,"d":1}')).toBe(false);
  });

  it("recursion through $defs and '#', formats, tuples and maps", () => {
    const tree = { $defs: { Node: { type: "object", properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } }, required: ["name", "children"] } }, $ref: "#/$defs/Node" };
    expect(accepts(tree, '{"name":"a","children":[{"name":"b","children":[]}]}')).toBe(true);
    expectSamplesValid(tree);
    const self = { type: "object", properties: { next: { anyOf: [{ $ref: "#" }, { type: "null" }] } }, required: ["next"] };
    expectSamplesValid(self);
    expectSamplesValid({ type: "object", properties: { when: { type: "string", format: "date-time" }, id: { type: "string", format: "uuid" }, day: { type: "string", format: "date" }, mail: { type: "string", format: "email" } }, required: ["when", "id", "day", "mail"] });
    expectSamplesValid({ type: "array", prefixItems: [{ type: "string" }, { type: "number", minimum: 0, maximum: 1 }], items: false, minItems: 2 });
    expectSamplesValid({ type: "object", additionalProperties: { type: "integer", minimum: 1 }, minProperties: 1 });
    // zod's z.record(z.enum([...]), z.number()): every key required.
    const levels = { type: "object", propertyNames: { type: "string", enum: ["debug", "info"] }, additionalProperties: { type: "number" }, required: ["debug", "info"] };
    expect(accepts(levels, '{"debug":1,"info":2}')).toBe(true);
    expect(accepts(levels, '{"debug":1}')).toBe(false);
    expectSamplesValid(levels);
  });
});

describe("what cannot be enforced is refused by keyword and path", () => {
  it.each([
    [{ type: "object", properties: { x: { not: { type: "null" } } } }, "not", "/properties/x"],
    [{ type: "object", properties: { x: { type: "string" } }, if: { required: ["x"] }, then: {} }, "if", ""],
    [{ type: "object", patternProperties: { "^a": { type: "string" } } }, "patternProperties", ""],
    [{ type: "array", items: { type: "string" }, uniqueItems: true }, "uniqueItems", ""],
    [{ type: "number", multipleOf: 0.5 }, "multipleOf", ""],
    [{ type: "number", minimum: 0.5 }, "minimum", ""],
    [{ type: "string", pattern: "(?=a)a" }, "pattern", ""],
    [{ type: "string", pattern: "a+", maxLength: 4 }, "pattern", ""],
    [{ $ref: "https://example.com/schema.json" }, "$ref", ""],
    [{ type: "string", format: "hostname-of-mars" }, "format", ""],
    [{ $defs: { A: { $ref: "#/$defs/A" } }, $ref: "#/$defs/A" }, "$ref", "/$defs/A"],
    [{ oneOf: [{ type: "string" }, { type: "string", maxLength: 3 }] }, "oneOf", ""],
  ])("%j", (schema, keyword, path) => {
    const err = refusal(schema);
    expect(err.keyword).toBe(keyword);
    expect(err.path).toBe(path);
    expect(err.message).toContain(`'${keyword}'`);
  });

  it("a schema that is not an object", () => {
    expect(refusal("string").path).toBe("");
    expect(refusal([{ type: "string" }]).message).toContain("must be an object");
  });
});

describe("properties", () => {
  // Schemas inside the supported set, built from the pieces clients use.
  const scalar = fc.oneof(
    fc.constant({ type: "string" }),
    fc.record({ type: fc.constant("string"), minLength: fc.integer({ min: 0, max: 3 }), maxLength: fc.integer({ min: 3, max: 8 }) }),
    fc.record({ type: fc.constant("string"), enum: fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }) }),
    fc.constantFrom({ type: "string", format: "date" }, { type: "string", format: "uuid" }, { type: "string", pattern: "^[a-z]+-[0-9]{2}$" }),
    fc.record({ type: fc.constant("integer"), minimum: fc.integer({ min: -500, max: 0 }), maximum: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ type: fc.constant("number"), minimum: fc.integer({ min: -5, max: 0 }), exclusiveMaximum: fc.integer({ min: 1, max: 5 }) }),
    fc.constantFrom({ type: "boolean" }, { type: "null" }, { type: ["string", "null"] }, { const: "fixed" }),
  );
  const schema = fc.letrec<{ node: Schema }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.record({ type: fc.constant("array"), items: tie("node"), minItems: fc.integer({ min: 0, max: 2 }), maxItems: fc.integer({ min: 2, max: 4 }) }),
      fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie("node"), { minKeys: 1, maxKeys: 4 }).chain((properties) =>
        fc.subarray(Object.keys(properties)).map((required) => ({ type: "object", properties, required, additionalProperties: false })),
      ),
      fc.array(tie("node"), { minLength: 2, maxLength: 3 }).map((anyOf) => ({ anyOf })),
    ),
  })).node;

  it("every sentence of a supported schema's grammar validates", () => {
    fc.assert(
      fc.property(schema, fc.integer({ min: 1, max: 1e6 }), (s, seed) => expectSamplesValid(s, 15, seed)),
      { numRuns: 150 },
    );
  });

  it("integer ranges accept exactly the integers inside, whatever the width", () => {
    const bound = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.constantFrom(-9007199254740991, 9007199254740991, -1000000, 99999));
    fc.assert(
      fc.property(bound, bound, fc.integer({ min: -400, max: 400 }), (a, b, probe) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const grammar = jsonSchemaToGbnf({ type: "integer", minimum: min, maximum: max });
        for (const n of [probe, min, max, min - 1, max + 1]) expect(gbnfMatches(grammar, String(n)), `${n} in [${min}, ${max}]`).toBe(n >= min && n <= max);
      }),
      { numRuns: 300 },
    );
  });

  it("number bounds: what the grammar accepts lies inside, and plain numbers inside are accepted", () => {
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.boolean(), fc.boolean(), fc.double({ min: -30, max: 30, noNaN: true }), (lo, width, exMin, exMax, x) => {
        const hi = lo + width;
        const schema = { type: "number", ...(exMin ? { exclusiveMinimum: lo } : { minimum: lo }), ...(exMax ? { exclusiveMaximum: hi } : { maximum: hi }) };
        if (width === 0 && (exMin || exMax)) return;
        const text = String(Math.round(x * 1000) / 1000);
        if (text.includes("e")) return;
        const value = Number(text);
        const inside = (exMin ? value > lo : value >= lo) && (exMax ? value < hi : value <= hi);
        expect(gbnfMatches(jsonSchemaToGbnf(schema), text), `${text} in ${JSON.stringify(schema)}`).toBe(inside);
      }),
      { numRuns: 400 },
    );
  });
});
