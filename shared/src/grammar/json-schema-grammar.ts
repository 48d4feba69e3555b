import { GbnfRules } from "./gbnf-rules.js";
import { arrayGrammar, objectGrammar, stringGrammar, stringLengths } from "./json-containers.js";
import { boundedInteger, boundedNumber } from "./json-number-bounds.js";
import { formatGrammar, formatString, jsonLiteral, primitive } from "./json-primitives.js";
import { formatMeetsPattern } from "./format-pattern-check.js";
import { ANNOTATIONS, assertKnownKeywords, isJsonType, typesImpliedByKeywords, UnsupportedSchemaError, type JsonType } from "./json-schema-keywords.js";
import { mayOverlap, mergeAll, typesOf } from "./json-schema-merge.js";
import { regexToGbnf, UnsupportedRegexError } from "./regex-grammar.js";
import { SchemaRefs } from "./json-schema-refs.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

interface SchemaGrammarOptions {
  /** Name of the rule that matches a whole value (default `root`). */
  rootRule?: string;
}

/**
 * A GBNF grammar whose every sentence is JSON that validates against `schema`. Throws
 * UnsupportedSchemaError, naming the keyword and its JSON pointer, for whatever it cannot enforce.
 */
export function jsonSchemaToGbnf(schema: unknown, options: SchemaGrammarOptions = {}): string {
  if (!isRecord(schema) && typeof schema !== "boolean") throw new UnsupportedSchemaError("", undefined, "a JSON schema must be an object");
  const rules = new GbnfRules();
  const rootRule = rules.reserve(options.rootRule ?? "root");
  rules.define(rootRule, new SchemaConverter(schema, rules).visit(schema, ""));
  return `${rules.toText()}\n`;
}

class SchemaConverter {
  private readonly refs: SchemaRefs;
  private readonly refRules = new Map<string, string>();
  // References being expanded since the last container: meeting one again would be a rule that
  // only names itself (left recursion), which no grammar can run.
  private directRefs = new Set<string>();

  constructor(
    root: unknown,
    private readonly rules: GbnfRules,
  ) {
    this.refs = new SchemaRefs(root);
  }

  visit(node: unknown, path: string): string {
    if (node === true) return primitive(this.rules, "value");
    if (node === false) throw new UnsupportedSchemaError(path, undefined, "the schema 'false' accepts no value");
    if (!isRecord(node)) throw new UnsupportedSchemaError(path, undefined, "a schema must be an object or a boolean");
    const constraining = Object.keys(node).filter((key) => !ANNOTATIONS.has(key) && !key.startsWith("x-"));

    if (node.$ref !== undefined) {
      if (constraining.length === 1) return this.refRule(node.$ref, path);
      const { $ref, ...rest } = node;
      return this.visit({ allOf: [{ $ref }, rest] }, path);
    }
    if (node.allOf !== undefined) {
      return this.visit(mergeAll(node, this.refs, path), path);
    }
    for (const key of ["anyOf", "oneOf"] as const) {
      if (node[key] === undefined) continue;
      const options = node[key];
      if (!Array.isArray(options) || options.length === 0) throw new UnsupportedSchemaError(path, key, "must be a non-empty array of schemas");
      const { [key]: _, ...base } = node;
      const hasBase = Object.keys(base).some((k) => !ANNOTATIONS.has(k) && !k.startsWith("x-"));
      // A shared part applies to every option: S and (A or B) is (S and A) or (S and B).
      const alternatives = options.map((option) => (hasBase ? { allOf: [base, option] } : option));
      if (key === "oneOf") this.assertExclusive(alternatives, path);
      return `(${alternatives.map((option, i) => this.visit(option, `${path}/${key}/${i}`)).join(" | ")})`;
    }
    if (node.const !== undefined || node.enum !== undefined) return this.literals(node, path);
    return this.typed(node, path);
  }

  private refRule(ref: unknown, path: string): string {
    if (typeof ref !== "string") throw new UnsupportedSchemaError(path, "$ref", "must be a string");
    const existing = this.refRules.get(ref);
    if (existing !== undefined) {
      if (this.directRefs.has(ref)) throw new UnsupportedSchemaError(path, "$ref", "refers to itself without any object or array in between");
      return existing;
    }
    const { target, pointer } = this.refs.resolve(ref, path);
    const name = this.rules.reserve(`ref-${pointer.split("/").pop() || "root"}`);
    this.refRules.set(ref, name);
    this.directRefs.add(ref);
    this.rules.define(name, this.visit(target, pointer));
    this.directRefs.delete(ref);
    return name;
  }

  /** Visits a container's member: references met from here on are no longer direct. */
  private readonly visitChild = (schema: unknown, path: string): string => {
    const outer = this.directRefs;
    this.directRefs = new Set();
    try {
      return this.visit(schema, path);
    } finally {
      this.directRefs = outer;
    }
  };

  private assertExclusive(alternatives: unknown[], path: string): void {
    for (let i = 0; i < alternatives.length; i++) {
      for (let j = i + 1; j < alternatives.length; j++) {
        if (mayOverlap(alternatives[i], alternatives[j], this.refs)) {
          throw new UnsupportedSchemaError(
            path,
            "oneOf",
            `options ${i} and ${j} may both match one value, and 'exactly one' cannot be enforced (use anyOf, or tell them apart by a 'const' property)`,
          );
        }
      }
    }
  }

  private literals(node: Record<string, unknown>, path: string): string {
    assertKnownKeywords(node, [], path);
    if (node.enum !== undefined && (!Array.isArray(node.enum) || node.enum.length === 0)) {
      throw new UnsupportedSchemaError(path, "enum", "must be a non-empty array");
    }
    let values: unknown[] = Array.isArray(node.enum) ? node.enum : [node.const];
    if (node.const !== undefined) values = values.filter((v) => JSON.stringify(v) === JSON.stringify(node.const));
    if (node.type !== undefined) {
      const types = this.declaredTypes(node, path);
      values = values.filter((v) => typesOf({ const: v }).some((t) => types.includes(t) || (t === "integer" && types.includes("number"))));
    }
    if (values.length === 0) throw new UnsupportedSchemaError(path, node.enum !== undefined ? "enum" : "const", "no value matches the other keywords");
    const literals = [...new Set(values.map((value) => jsonLiteral(value)))];
    return literals.length === 1 ? literals[0]! : `(${literals.join(" | ")})`;
  }

  private declaredTypes(node: Record<string, unknown>, path: string): JsonType[] {
    const raw = node.type === undefined ? typesImpliedByKeywords(node) : Array.isArray(node.type) ? node.type : [node.type];
    for (const type of raw) if (!isJsonType(type)) throw new UnsupportedSchemaError(path, "type", `'${String(type)}' is not a JSON Schema type`);
    const types = [...new Set(raw as JsonType[])];
    if (node.nullable === true && !types.includes("null")) types.push("null");
    return types;
  }

  private typed(node: Record<string, unknown>, path: string): string {
    const types = this.declaredTypes(node, path);
    assertKnownKeywords(node, types, path);
    if (node.type === undefined && types.length === 0) return primitive(this.rules, "value");
    if (types.length === 0) throw new UnsupportedSchemaError(path, "type", "must name at least one type");
    // A number already spells every integer.
    const spelt = types.includes("number") ? types.filter((t) => t !== "integer") : types;
    const alternatives = spelt.map((type) => this.typeGrammar(type, node, path));
    return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(" | ")})`;
  }

  private typeGrammar(type: JsonType, node: Record<string, unknown>, path: string): string {
    switch (type) {
      case "string":
        return this.string(node, path);
      case "integer":
        return boundedInteger(this.rules, node, path);
      case "number":
        if (node.multipleOf !== undefined) throw new UnsupportedSchemaError(path, "multipleOf", "cannot be enforced on numbers");
        return boundedNumber(this.rules, node, path);
      case "boolean":
      case "null":
        return primitive(this.rules, type);
      case "object":
        return objectGrammar(this.rules, node, path, this.visitChild);
      case "array":
        return arrayGrammar(this.rules, node, path, this.visitChild);
    }
  }

  private string(node: Record<string, unknown>, path: string): string {
    const lengths = node.minLength !== undefined || node.maxLength !== undefined;
    const format = node.format === undefined ? undefined : formatGrammar(node.format, path);
    if (format) {
      // The format's own spelling is used when the other keywords leave all of it valid.
      const min = typeof node.minLength === "number" ? node.minLength : 0;
      const max = typeof node.maxLength === "number" ? node.maxLength : Infinity;
      if (min > format.minLength || max < format.maxLength) {
        throw new UnsupportedSchemaError(path, "format", `its values are ${format.minLength} to ${format.maxLength} characters long, which 'minLength'/'maxLength' would cut`);
      }
      if (node.pattern !== undefined && !formatMeetsPattern(String(node.format), String(node.pattern))) {
        throw new UnsupportedSchemaError(path, "pattern", `cannot be enforced together with format '${String(node.format)}'`);
      }
      return formatString(this.rules, node.format, path);
    }
    if (node.pattern === undefined) return stringGrammar(this.rules, node, path);
    if (typeof node.pattern !== "string") throw new UnsupportedSchemaError(path, "pattern", "must be a string");
    const bounds = lengths ? stringLengths(node, path) : undefined;
    try {
      return `"\\"" ${regexToGbnf(node.pattern, this.rules, bounds)} "\\""`;
    } catch (err) {
      if (err instanceof UnsupportedRegexError) throw new UnsupportedSchemaError(path, "pattern", err.message);
      throw err;
    }
  }
}
