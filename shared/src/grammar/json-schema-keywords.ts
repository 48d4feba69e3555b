/**
 * Which JSON Schema keywords the grammar enforces, which merely describe, and the error for the
 * rest. A keyword outside both lists is refused by name: a constraint is never silently dropped.
 */

/** A schema (or a part of one) the grammar cannot enforce exactly. */
export class UnsupportedSchemaError extends Error {
  override name = "UnsupportedSchemaError";
  constructor(
    /** JSON pointer of the schema node, "" for the root. */
    readonly path: string,
    /** The keyword at fault, when one is. */
    readonly keyword: string | undefined,
    detail: string,
  ) {
    super(`${keyword ? `'${keyword}' ` : ""}at ${path || "/"}: ${detail}`);
  }
}

/** Keywords that describe a value without constraining it (JSON Schema annotations, OpenAPI extras). */
export const ANNOTATIONS = new Set([
  "title",
  "description",
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "examples",
  "example",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "discriminator",
  "contentEncoding",
  "contentMediaType",
  "$defs",
  "definitions",
]);

/** Keywords whose constraint the grammar carries, by the type they apply to. */
export const KEYWORDS_BY_TYPE: Record<JsonType, readonly string[]> = {
  string: ["minLength", "maxLength", "pattern", "format"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  boolean: [],
  null: [],
  object: ["properties", "required", "additionalProperties", "propertyNames", "minProperties", "maxProperties"],
  array: ["items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"],
};

/** Keywords that choose or combine schemas; handled before any type. */
const COMBINATORS = new Set(["$ref", "allOf", "anyOf", "oneOf", "const", "enum", "type", "nullable"]);

export const JSON_TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"] as const;
export type JsonType = (typeof JSON_TYPES)[number];

export const isJsonType = (value: unknown): value is JsonType => (JSON_TYPES as readonly unknown[]).includes(value);

/** The types whose keywords appear on a node that names no `type` (JSON Schema lets keywords imply it). */
export function typesImpliedByKeywords(node: Record<string, unknown>): JsonType[] {
  const implied: JsonType[] = [];
  for (const type of ["object", "array", "string"] as const) {
    if (KEYWORDS_BY_TYPE[type].some((keyword) => node[keyword] !== undefined)) implied.push(type);
  }
  if (KEYWORDS_BY_TYPE.number.some((keyword) => node[keyword] !== undefined)) implied.push("number");
  return implied;
}

/** Refuses the first keyword that is neither an annotation, a combinator, nor enforced for one of `types`. */
export function assertKnownKeywords(node: Record<string, unknown>, types: readonly JsonType[], path: string): void {
  const allowed = new Set(types.flatMap((type) => KEYWORDS_BY_TYPE[type]));
  for (const key of Object.keys(node)) {
    if (ANNOTATIONS.has(key) || COMBINATORS.has(key) || allowed.has(key) || key.startsWith("x-")) continue;
    const owners = JSON_TYPES.filter((type) => KEYWORDS_BY_TYPE[type].includes(key));
    throw new UnsupportedSchemaError(
      path,
      key,
      owners.length > 0
        ? `is enforced only on ${owners.join(", ")}, and this schema allows ${types.join(", ") || "no type"}`
        : "this keyword cannot be enforced by the grammar",
    );
  }
}
