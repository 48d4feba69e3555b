import { UnsupportedSchemaError } from "./json-schema-keywords.js";
import { jsonLiteral, primitive } from "./json-primitives.js";
import { gbnfCharClassChar, type GbnfRules } from "./gbnf-rules.js";

/** Turns a child schema into an expression; given by the converter so containers stay apart from it. */
type VisitChild = (schema: unknown, path: string) => string;

// llama.cpp reads a repetition bound above this as unbounded.
const MAX_REPEAT = 2000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function count(node: Record<string, unknown>, key: string, path: string): number | undefined {
  const value = node[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new UnsupportedSchemaError(path, key, "must be a non-negative integer");
  }
  if (value > MAX_REPEAT) throw new UnsupportedSchemaError(path, key, `above ${MAX_REPEAT}, the most a grammar repetition counts, cannot be enforced`);
  return value;
}

/** `item ("," item){min-1,max-1}` wrapped so that zero items is allowed when min is 0. */
function separatedList(rules: GbnfRules, item: string, min: number, max: number | undefined): string {
  const space = primitive(rules, "space");
  if (max === 0) return "";
  const more = max === undefined ? "*" : `{${Math.max(min - 1, 0)},${max - 1}}`;
  const tail = `("," ${space} ${item})${min > 1 && max === undefined ? `{${min - 1},}` : more}`;
  const list = `${item} ${tail}`;
  return min === 0 ? `(${list})?` : list;
}

function lengthBounds(node: Record<string, unknown>, minKey: string, maxKey: string, path: string) {
  const min = count(node, minKey, path) ?? 0;
  const max = count(node, maxKey, path);
  if (max !== undefined && max < min) throw new UnsupportedSchemaError(path, maxKey, `is below '${minKey}'`);
  return { min, max };
}

/**
 * An object. Declared properties come in their declared order, each required one always and each
 * optional one possibly left out; further properties only where `additionalProperties` allows
 * them (absent next to `properties` means none, as OpenAI's strict mode reads it).
 */
export function objectGrammar(rules: GbnfRules, schema: Record<string, unknown>, path: string, visit: VisitChild): string {
  const node = exhaustiveMapAsObject(schema);
  const space = primitive(rules, "space");
  const properties = node.properties ?? {};
  if (!isRecord(properties)) throw new UnsupportedSchemaError(path, "properties", "must be an object");
  const required = node.required ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) {
    throw new UnsupportedSchemaError(path, "required", "must be an array of property names");
  }
  const names = Object.keys(properties);
  const undeclared = required.find((name) => !names.includes(name));
  if (undeclared !== undefined) {
    throw new UnsupportedSchemaError(path, "required", `names '${undeclared}', which is not among the declared properties`);
  }
  const extra = node.additionalProperties ?? (node.properties === undefined ? true : false);
  const extraValue = extra === false ? undefined : visit(extra, `${path}/additionalProperties`);
  const { min, max } = lengthBounds(node, "minProperties", "maxProperties", path);

  const members = names.map((name) => ({
    kv: `${jsonLiteral(name)} ${space} ":" ${space} ${visit(properties[name], `${path}/properties/${escapePointer(name)}`)} ${space}`,
    required: required.includes(name),
  }));
  const requiredCount = members.filter((m) => m.required).length;

  if (extraValue === undefined) {
    // With declared properties only, the counts are checked here rather than in the grammar.
    if (min > members.length) throw new UnsupportedSchemaError(path, "minProperties", "asks for more properties than are declared");
    if (min > requiredCount) throw new UnsupportedSchemaError(path, "minProperties", "can be enforced only when it is met by the required properties");
    if (max !== undefined && max < members.length) throw new UnsupportedSchemaError(path, "maxProperties", "can be enforced only when every declared property fits");
    return `"{" ${space} ${orderedMembers(rules, members, path)} "}"`;
  }
  // A map (properties beyond the declared ones): keys are strings other than the declared names.
  const key = names.length === 0 ? mapKey(node, path, rules, visit) : undeclaredKey(rules, names);
  if (names.length > 0 && node.propertyNames !== undefined) {
    throw new UnsupportedSchemaError(path, "propertyNames", "can be enforced on maps (no declared properties) only");
  }
  const extraKv = rules.add("kv", `${key} ${space} ":" ${space} ${extraValue} ${space}`);
  if (members.length === 0) return `"{" ${space} ${separatedList(rules, extraKv, min, max)} "}"`;
  if (min > requiredCount || max !== undefined) {
    throw new UnsupportedSchemaError(path, min > requiredCount ? "minProperties" : "maxProperties", "cannot be combined with both declared and additional properties");
  }
  return `"{" ${space} ${orderedMembers(rules, members, path, extraKv)} "}"`;
}

/**
 * A map whose every allowed key is required (zod's `z.record(z.enum([...]), v)`) is an object with
 * those keys declared, each holding the map's value schema.
 */
function exhaustiveMapAsObject(node: Record<string, unknown>): Record<string, unknown> {
  const { propertyNames: names, required, additionalProperties: value } = node;
  if (node.properties !== undefined || !isRecord(names) || !Array.isArray(names.enum) || !Array.isArray(required)) return node;
  const keys = names.enum;
  if (keys.length !== required.length || !keys.every((key) => typeof key === "string" && required.includes(key))) return node;
  const { propertyNames: _names, ...rest } = node;
  return { ...rest, properties: Object.fromEntries((keys as string[]).map((key) => [key, value ?? true])), additionalProperties: false };
}

/**
 * Declared members in order, commas only between those present. Two rules per position: what may
 * follow when something came before (`-rest`) and when nothing did yet (`-from`).
 */
function orderedMembers(rules: GbnfRules, members: { kv: string; required: boolean }[], path: string, extraKv?: string): string {
  const space = primitive(rules, "space");
  const hint = `obj${path.split("/").filter(Boolean).slice(-1)[0] ?? ""}`;
  let rest = extraKv ? `("," ${space} ${extraKv})*` : "";
  let from = extraKv ? `(${extraKv} ("," ${space} ${extraKv})*)?` : "";
  for (let i = members.length - 1; i >= 0; i--) {
    const { kv, required } = members[i]!;
    const kvRule = rules.add(`${hint}-kv`, kv);
    const restRule = rest ? rules.add(`${hint}-rest`, rest) : "";
    if (required) from = `${kvRule} ${restRule}`;
    else from = from ? `${kvRule} ${restRule} | ${rules.add(`${hint}-from`, from)}` : `(${kvRule} ${restRule})?`;
    rest = required ? `"," ${space} ${kvRule} ${restRule}` : `("," ${space} ${kvRule})? ${restRule}`;
  }
  return from ? `(${from})` : "";
}

/** A map's key: any string, or one that `propertyNames` (a string schema) allows. */
function mapKey(node: Record<string, unknown>, path: string, rules: GbnfRules, visit: VisitChild): string {
  const names = node.propertyNames;
  if (names === undefined || names === true) return primitive(rules, "string");
  if (!isRecord(names)) throw new UnsupportedSchemaError(path, "propertyNames", "must be a schema for strings");
  return visit(names.type === undefined && names.enum === undefined && names.const === undefined ? { ...names, type: "string" } : names, `${path}/propertyNames`);
}

/** A key that is none of the declared names (a map's extra keys must not repeat a declared one). */
function undeclaredKey(rules: GbnfRules, names: string[]): string {
  // Exact exclusion of a few literals is costly to spell; keys prefixed apart from them are a safe subset.
  const char = primitive(rules, "char");
  const firstChars = new Set(names.map((n) => n.codePointAt(0)).filter((c): c is number => c !== undefined));
  const avoid = [...firstChars].map(gbnfCharClassChar);
  return rules.add("extra-key", `"\\"" [^"\\\\\\x00-\\x1F\\x7F${avoid.join("")}] ${char}* "\\""`);
}

/** An array: `prefixItems` (or draft-07 tuple `items`), then `items` for the rest, within `minItems`..`maxItems`. */
export function arrayGrammar(rules: GbnfRules, node: Record<string, unknown>, path: string, visit: VisitChild): string {
  const space = primitive(rules, "space");
  if (node.uniqueItems === true) throw new UnsupportedSchemaError(path, "uniqueItems", "distinct items cannot be enforced by the grammar");
  const tuple = Array.isArray(node.items) ? node.items : node.prefixItems;
  const restSchema = Array.isArray(node.items) ? (node.additionalItems ?? true) : (node.items ?? (tuple ? (node.additionalItems ?? true) : true));
  if (tuple !== undefined && !Array.isArray(tuple)) throw new UnsupportedSchemaError(path, "prefixItems", "must be an array of schemas");
  const tupleKey = Array.isArray(node.items) ? "items" : "prefixItems";
  const { min, max } = lengthBounds(node, "minItems", "maxItems", path);
  let heads = (tuple ?? []).map((item, i) => `${visit(item, `${path}/${tupleKey}/${i}`)} ${space}`);
  let rest = restSchema === false ? undefined : `${visit(restSchema, `${path}/items`)} ${space}`;
  if (max !== undefined && max <= heads.length) {
    heads = heads.slice(0, max);
    rest = undefined;
  }
  if (heads.length === 0) {
    if (!rest) return `"[" ${space} "]"`;
    return `"[" ${space} ${separatedList(rules, rules.add("item", rest), min, max)} "]"`;
  }
  if (min > heads.length && !rest) throw new UnsupportedSchemaError(path, "minItems", "asks for more items than the tuple allows");
  // A tuple: the first `min` heads are required, later ones optional in order, then the rest.
  let seq = "";
  if (rest) {
    const item = rules.add("item", rest);
    const lo = Math.max(min - heads.length, 0);
    const hi = max === undefined ? "" : `${max - heads.length}`;
    seq = `("," ${space} ${item}){${lo},${hi}}`;
  }
  for (let i = heads.length - 1; i >= 1; i--) {
    const part = `"," ${space} ${heads[i]} ${seq}`;
    seq = i < min ? part : `(${part})?`;
  }
  const body = `${heads[0]} ${seq}`;
  return `"[" ${space} ${min === 0 ? `(${body})?` : body} "]"`;
}

/** `minLength`/`maxLength` of a string schema, checked. */
export const stringLengths = (node: Record<string, unknown>, path: string) => lengthBounds(node, "minLength", "maxLength", path);

export function stringGrammar(rules: GbnfRules, node: Record<string, unknown>, path: string): string {
  const { min, max } = lengthBounds(node, "minLength", "maxLength", path);
  const char = primitive(rules, "char");
  if (min === 0 && max === undefined) return primitive(rules, "string");
  return `"\\"" ${char}{${min},${max ?? ""}} "\\""`;
}

const escapePointer = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");
