import { UnsupportedSchemaError } from "./json-schema-keywords.js";
import { gbnfLiteral, type GbnfRules } from "./gbnf-rules.js";

/**
 * The JSON building blocks every schema grammar shares. Whitespace and digit runs are bounded so
 * a small model cannot wander into an endless run of spaces or digits; every text they allow is
 * still valid JSON.
 */
const HEX = "[0-9a-fA-F]";
const PRIMITIVE_BODIES = {
  space: `(" " | "\\n" [ \\t]{0,16})?`,
  // One JSON string character: unescaped, or an escape. \u escapes stop short of surrogates, so
  // each match is exactly one code point and length limits count as validators count.
  char: `[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" ([0-9a-cA-Ce-fE-F] ${HEX}{3} | [dD] [0-7] ${HEX}{2}))`,
  string: `"\\"" char* "\\""`,
  integer: `"-"? ("0" | [1-9] [0-9]{0,15})`,
  fraction: `"." [0-9]{1,16}`,
  exponent: `[eE] [-+]? [0-9]{1,3}`,
  number: `integer fraction? exponent?`,
  boolean: `"true" | "false"`,
  null: `"null"`,
  value: `object | array | string | number | boolean | null`,
  object: `"{" space (string space ":" space value space ("," space string space ":" space value space)*)? "}"`,
  array: `"[" space (value space ("," space value space)*)? "]"`,
} as const;
type Primitive = keyof typeof PRIMITIVE_BODIES;

const DEPENDS_ON: Partial<Record<Primitive, Primitive[]>> = {
  string: ["char"],
  number: ["integer", "fraction", "exponent"],
  value: ["object", "array", "string", "number", "boolean", "null"],
  object: ["space", "string", "value"],
  array: ["space", "value"],
};

/** The rule for a primitive, defined (with what it uses) on first use. */
export function primitive(rules: GbnfRules, name: Primitive): string {
  if (!rules.has(name)) {
    rules.defineFixed(name, PRIMITIVE_BODIES[name]);
    for (const dependency of DEPENDS_ON[name] ?? []) primitive(rules, dependency);
  }
  return name;
}

const TWO_DIGITS_TO = (max: number) => `[0-${Math.floor(max / 10) - 1}] [0-9] | "${Math.floor(max / 10)}" [0-${max % 10}]`;
const LABEL = `[a-z0-9]{1,20} ("-" [a-z0-9]{1,20})?`;
const uuidOf = (version: string) => `${HEX}{8} "-" ${HEX}{4} "-" ${version} ${HEX}{3} "-" [89ab] ${HEX}{3} "-" ${HEX}{12}`;

/** A format's grammar and the shortest and longest value it spells (for `minLength`/`maxLength` beside it). */
interface FormatGrammar {
  body: string;
  minLength: number;
  maxLength: number;
  uses?: string[];
}

/**
 * Formats whose values the grammar spells. Each is a plain subset of what validators and the
 * common client patterns accept (`uuid` with an RFC 9562 version and variant; `date` without
 * 29 February; times in UTC with `Z`; `email`, `hostname`, `uri` in a plain common form), so
 * whatever is generated validates.
 */
const FORMATS: Record<string, FormatGrammar> = {
  date: {
    body: `[0-9]{4} "-" ("02-" ("0" [1-9] | "1" [0-9] | "2" [0-8]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | ("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]))`,
    minLength: 10,
    maxLength: 10,
  },
  time: { body: `(${TWO_DIGITS_TO(23)}) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,6})? "Z"`, minLength: 9, maxLength: 16 },
  "date-time": { body: `format-date "T" format-time`, minLength: 20, maxLength: 27, uses: ["date", "time"] },
  duration: { body: `"P" ([0-9]{1,3} "D" ("T" [0-9]{1,2} "H")? | "T" [0-9]{1,2} [HMS])`, minLength: 3, maxLength: 9 },
  uuid: { body: uuidOf("[1-8]"), minLength: 36, maxLength: 36 },
  uuid1: { body: uuidOf(`"1"`), minLength: 36, maxLength: 36 },
  uuid3: { body: uuidOf(`"3"`), minLength: 36, maxLength: 36 },
  uuid4: { body: uuidOf(`"4"`), minLength: 36, maxLength: 36 },
  uuid5: { body: uuidOf(`"5"`), minLength: 36, maxLength: 36 },
  email: {
    body: `[a-z0-9]{1,16} ([._+-] [a-z0-9]{1,16}){0,2} "@" [a-z0-9]{1,16} ("-" [a-z0-9]{1,16})? ("." [a-z0-9]{1,16} ("-" [a-z0-9]{1,16})?){0,2} "." [a-z]{2,6}`,
    minLength: 6,
    maxLength: 159,
  },
  hostname: { body: `${LABEL} ("." ${LABEL}){0,3}`, minLength: 1, maxLength: 167 },
  ipv4: { body: `octet "." octet "." octet "." octet`, minLength: 7, maxLength: 15, uses: ["octet"] },
  uri: { body: `"http" "s"? "://" format-hostname ("/" [a-zA-Z0-9._~-]{0,20}){0,6}`, minLength: 8, maxLength: 301, uses: ["hostname"] },
};
const OCTET = `"25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9]? [0-9]`;
const FORMAT_ALIASES: Record<string, string> = { url: "uri", "uri-reference": "uri", "idn-email": "email", "idn-hostname": "hostname" };
// Formats a validator treats as plain strings.
const UNCHECKED_FORMATS = new Set(["password", "binary", "text"]);

const SUPPORTED_FORMATS = [...Object.keys(FORMATS), ...Object.keys(FORMAT_ALIASES), ...UNCHECKED_FORMATS];

/** The format's grammar, or undefined for formats validators do not check; throws for formats it cannot spell. */
export function formatGrammar(format: unknown, path: string): FormatGrammar | undefined {
  if (typeof format === "string" && UNCHECKED_FORMATS.has(format)) return undefined;
  const name = typeof format === "string" ? (FORMAT_ALIASES[format] ?? format) : undefined;
  const grammar = name === undefined ? undefined : FORMATS[name];
  if (!grammar) {
    throw new UnsupportedSchemaError(path, "format", `format '${String(format)}' cannot be enforced (supported: ${SUPPORTED_FORMATS.join(", ")})`);
  }
  return grammar;
}

/** The expression for a string (quotes included) in `format`; plain strings for formats validators do not check. */
export function formatString(rules: GbnfRules, format: unknown, path: string): string {
  if (!formatGrammar(format, path)) return primitive(rules, "string");
  const name = FORMAT_ALIASES[format as string] ?? (format as string);
  return `"\\"" ${formatRule(rules, name)} "\\""`;
}

function formatRule(rules: GbnfRules, name: string): string {
  if (name === "octet") {
    if (!rules.has("octet")) rules.defineFixed("octet", OCTET);
    return "octet";
  }
  const rule = `format-${name}`;
  if (!rules.has(rule)) {
    rules.defineFixed(rule, FORMATS[name]!.body);
    for (const used of FORMATS[name]!.uses ?? []) formatRule(rules, used);
  }
  return rule;
}

/** A JSON literal for a `const` or `enum` value, spelt compactly. */
export function jsonLiteral(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("not a JSON value");
  return gbnfLiteral(text);
}
