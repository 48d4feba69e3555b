import { ANNOTATIONS, isJsonType, typesImpliedByKeywords, UnsupportedSchemaError, type JsonType } from "./json-schema-keywords.js";
import type { SchemaRefs } from "./json-schema-refs.js";

type Schema = Record<string, unknown>;
const isRecord = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const TAKE_LARGER = new Set(["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]);
const TAKE_SMALLER = new Set(["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]);

/**
 * One schema that means what `allOf` (plus its siblings) means, for the combinations that have a
 * plain meaning: properties and requirements add up, types and literal sets intersect, bounds
 * tighten. Anything else is refused by keyword.
 */
export function mergeAll(node: Schema, refs: SchemaRefs, path: string, depth = 0): Schema {
  const { allOf, ...rest } = node;
  if (!Array.isArray(allOf) || allOf.length === 0) throw new UnsupportedSchemaError(path, "allOf", "must be a non-empty array of schemas");
  if (depth > 32) throw new UnsupportedSchemaError(path, "allOf", "nests too deeply");
  let merged: Schema = {};
  for (const part of [...allOf, rest]) {
    const schema = refs.deref(part, path);
    if (schema === true) continue;
    if (!isRecord(schema)) throw new UnsupportedSchemaError(path, "allOf", "every part must be a schema object");
    const flat: Schema = schema.allOf !== undefined ? mergeAll(schema, refs, path, depth + 1) : schema;
    merged = mergeTwo(merged, flat, path);
  }
  return merged;
}

function mergeTwo(a: Schema, b: Schema, path: string): Schema {
  const out: Schema = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    if (current === undefined || ANNOTATIONS.has(key)) {
      if (current === undefined) out[key] = value;
      continue;
    }
    if (same(current, value)) continue;
    if (TAKE_LARGER.has(key) && typeof current === "number" && typeof value === "number") out[key] = Math.max(current, value);
    else if (TAKE_SMALLER.has(key) && typeof current === "number" && typeof value === "number") out[key] = Math.min(current, value);
    else if (key === "type") out.type = intersectTypes(current, value, path);
    else if (key === "required" && Array.isArray(current) && Array.isArray(value)) out.required = [...new Set([...current, ...value])];
    else if (key === "enum" && Array.isArray(current) && Array.isArray(value)) out.enum = current.filter((v) => value.some((w) => same(v, w)));
    else if (key === "properties" && isRecord(current) && isRecord(value)) out.properties = mergeProperties(current, value);
    else if (key === "items" && isRecord(current) && isRecord(value)) out.items = { allOf: [current, value] };
    else throw new UnsupportedSchemaError(path, "allOf", `its parts disagree on '${key}', which cannot be combined`);
  }
  // additionalProperties false in one part forbids the other part's own properties.
  for (const [closed, other] of [[a, b], [b, a]] as const) {
    if (closed.additionalProperties !== false || !isRecord(other.properties)) continue;
    const allowed = isRecord(closed.properties) ? Object.keys(closed.properties) : [];
    const extra = Object.keys(other.properties).find((name) => !allowed.includes(name));
    if (extra !== undefined) {
      throw new UnsupportedSchemaError(path, "allOf", `one part forbids additional properties, so property '${extra}' of another part could never appear`);
    }
  }
  return out;
}

function mergeProperties(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a };
  for (const [name, schema] of Object.entries(b)) out[name] = out[name] === undefined ? schema : { allOf: [out[name], schema] };
  return out;
}

function intersectTypes(a: unknown, b: unknown, path: string): unknown {
  const list = (t: unknown) => (Array.isArray(t) ? t : [t]);
  const right = list(b);
  const both = list(a).flatMap((type) => {
    if (right.includes(type)) return [type];
    if (type === "number" && right.includes("integer")) return ["integer"];
    if (type === "integer" && right.includes("number")) return ["integer"];
    return [];
  });
  if (both.length === 0) throw new UnsupportedSchemaError(path, "allOf", "its parts allow no common type");
  return both.length === 1 ? both[0] : both;
}

const ALL_TYPES: JsonType[] = ["string", "number", "integer", "boolean", "null", "object", "array"];

/** The JSON types a schema may produce (literal values typed by what they are). */
export function typesOf(schema: unknown): JsonType[] {
  if (!isRecord(schema)) return schema === false ? [] : ALL_TYPES;
  const literals = schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
  if (literals) {
    return [...new Set(literals.map((v): JsonType => {
      if (v === null) return "null";
      if (Array.isArray(v)) return "array";
      if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
      return typeof v as JsonType;
    }))];
  }
  if (schema.type !== undefined) return (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(isJsonType);
  if (schema.anyOf !== undefined || schema.oneOf !== undefined || schema.allOf !== undefined || schema.$ref !== undefined) return ALL_TYPES;
  const implied = typesImpliedByKeywords(schema);
  return implied.length > 0 ? implied : ALL_TYPES;
}

const overlaps = (a: JsonType, b: JsonType) => a === b || (a === "number" && b === "integer") || (a === "integer" && b === "number");

/** False only when no value can match both schemas (told apart by type or by a required literal property). */
export function mayOverlap(left: unknown, right: unknown, refs: SchemaRefs): boolean {
  const a = refs.deref(left, "");
  const b = refs.deref(right, "");
  const typesA = typesOf(a);
  const typesB = typesOf(b);
  if (!typesA.some((t) => typesB.some((u) => overlaps(t, u)))) return false;
  if (!isRecord(a) || !isRecord(b)) return true;
  const literalsA = literalSet(a);
  const literalsB = literalSet(b);
  if (literalsA && literalsB && !literalsA.some((v) => literalsB.includes(v))) return false;
  if (!isRecord(a.properties) || !isRecord(b.properties)) return true;
  const requiredBoth = (name: string) =>
    Array.isArray(a.required) && a.required.includes(name) && Array.isArray(b.required) && b.required.includes(name);
  for (const name of Object.keys(a.properties)) {
    if (!(name in b.properties) || !requiredBoth(name)) continue;
    const tagA = literalSet(refs.deref(a.properties[name], ""));
    const tagB = literalSet(refs.deref(b.properties[name], ""));
    if (tagA && tagB && !tagA.some((v) => tagB.includes(v))) return false;
  }
  return true;
}

function literalSet(schema: unknown): string[] | undefined {
  if (!isRecord(schema)) return undefined;
  if (schema.const !== undefined) return [JSON.stringify(schema.const)];
  return Array.isArray(schema.enum) ? schema.enum.map((v) => JSON.stringify(v)) : undefined;
}
