/**
 * The part of JSON Schema the workers' grammar builder (node-llama-cpp) can express. The builder
 * itself never refuses a schema: it quietly widens or drops what it does not know (an unknown
 * type becomes `null`, `minimum` is ignored), so a schema is checked here, before it is queued,
 * and anything outside this subset is refused rather than half-enforced.
 */

const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const STRING_FORMATS = new Set(["date-time", "time", "date"]);
// Keywords that describe a schema without constraining it.
const ANNOTATIONS = ["title", "description", "$schema", "$id", "$comment", "examples", "default"];

const KEYWORDS_BY_TYPE: Record<string, string[]> = {
  string: ["minLength", "maxLength", "format"],
  number: [],
  integer: [],
  boolean: [],
  null: [],
  object: ["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

export class UnsupportedSchemaError extends Error {
  override name = "UnsupportedSchemaError";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path || "the schema"}: ${detail}`);
  }
}

function checkNode(node: unknown, path: string, defs: ReadonlySet<string>): void {
  const fail = (detail: string): never => {
    throw new UnsupportedSchemaError(path, detail);
  };
  if (!isRecord(node)) return fail("must be an object");
  const scope = new Set(defs);
  if (node.$defs !== undefined) {
    if (!isRecord(node.$defs)) fail("'$defs' must be an object");
    for (const name of Object.keys(node.$defs as object)) scope.add(name);
  }
  const allowed = new Set([...ANNOTATIONS, "$defs"]);
  const check = (child: unknown, at: string) => checkNode(child, `${path}/${at}`, scope);

  if (node.$ref !== undefined) {
    allowed.add("$ref");
    const name = typeof node.$ref === "string" && node.$ref.startsWith("#/$defs/") ? node.$ref.slice("#/$defs/".length) : undefined;
    if (name === undefined || !scope.has(name)) fail("'$ref' must point to a definition in '$defs' (#/$defs/<name>)");
  } else if (node.const !== undefined) {
    allowed.add("const");
    if (!isScalar(node.const)) fail("'const' must be a string, number, boolean or null");
  } else if (node.enum !== undefined) {
    allowed.add("enum");
    if (!Array.isArray(node.enum) || node.enum.length === 0 || !node.enum.every(isScalar)) {
      fail("'enum' must be a non-empty array of strings, numbers, booleans or nulls");
    }
  } else if (node.oneOf !== undefined) {
    allowed.add("oneOf");
    if (!Array.isArray(node.oneOf) || node.oneOf.length === 0) fail("'oneOf' must be a non-empty array of schemas");
    (node.oneOf as unknown[]).forEach((option, i) => check(option, `oneOf/${i}`));
  } else if (node.type !== undefined) {
    allowed.add("type");
    const types = Array.isArray(node.type) ? node.type : [node.type];
    if (types.length === 0) fail("'type' must name at least one type");
    for (const type of types) {
      if (typeof type !== "string" || !(type in KEYWORDS_BY_TYPE)) fail(`type '${String(type)}' is not a JSON Schema type`);
      if (types.length > 1 && !SCALAR_TYPES.has(type as string)) fail("a list of types may only hold string, number, integer, boolean and null");
      for (const keyword of KEYWORDS_BY_TYPE[type as string]!) allowed.add(keyword);
    }
    checkTypeKeywords(node, fail, check);
  } else {
    fail("must have one of 'type', 'enum', 'const', 'oneOf' or '$ref'");
  }

  for (const key of Object.keys(node)) {
    if (!allowed.has(key)) fail(`keyword '${key}' is not supported here`);
  }
  if (isRecord(node.$defs)) for (const [name, def] of Object.entries(node.$defs)) check(def, `$defs/${name}`);
}

function checkTypeKeywords(node: Record<string, unknown>, fail: (detail: string) => never, check: (child: unknown, at: string) => void) {
  for (const key of ["minLength", "maxLength", "minProperties", "maxProperties", "minItems", "maxItems"]) {
    if (node[key] !== undefined && !isCount(node[key])) fail(`'${key}' must be a non-negative integer`);
  }
  if (node.format !== undefined && !STRING_FORMATS.has(node.format as string)) {
    fail(`format '${String(node.format)}' is not supported (date-time, time and date are)`);
  }
  if (node.properties !== undefined) {
    if (!isRecord(node.properties)) fail("'properties' must be an object");
    for (const [name, property] of Object.entries(node.properties as object)) check(property, `properties/${name}`);
  }
  if (node.required !== undefined && !(Array.isArray(node.required) && node.required.every((r) => typeof r === "string"))) {
    fail("'required' must be an array of property names");
  }
  if (node.additionalProperties !== undefined && typeof node.additionalProperties !== "boolean") {
    check(node.additionalProperties, "additionalProperties");
  }
  if (node.items !== undefined) check(node.items, "items");
  if (node.prefixItems !== undefined) {
    if (!Array.isArray(node.prefixItems)) fail("'prefixItems' must be an array of schemas");
    (node.prefixItems as unknown[]).forEach((item, i) => check(item, `prefixItems/${i}`));
  }
}

/** Throws UnsupportedSchemaError naming the first place (a JSON pointer) the grammar cannot enforce. */
export function assertGrammarCanExpress(schema: Record<string, unknown>): void {
  checkNode(schema, "", new Set());
}
