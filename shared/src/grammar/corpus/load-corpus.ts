import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** One schema of the corpus, as a real client produced it (see ./README.md). */
interface CorpusEntry {
  /** The fixture's file name, e.g. "pydantic-recursive-tree.json". */
  file: string;
  /** What produced it, e.g. "pydantic 2.13.5" or "zod 4.6.7 toJSONSchema". */
  source: string;
  /** The client code that produced it. */
  code: string;
  /** The JSON schema itself (for a request: the schema part only). */
  schema: Record<string, unknown>;
  /** Where a captured request carried the schema. */
  via?: "response_format" | "tool_parameters";
  /** `strict` as the request sent it (false where the request left it out). */
  strict?: boolean;
  /** The response format's or the tool's name in the request. */
  name?: string;
}

const SCHEMAS_DIR = fileURLToPath(new URL("./schemas/", import.meta.url));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads every fixture in ./schemas/, sorted by file name. */
export function loadSchemaCorpus(): CorpusEntry[] {
  const files = readdirSync(SCHEMAS_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort();
  return files.map((file) => {
    const raw: unknown = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), "utf8"));
    if (!isRecord(raw)) throw new Error(`${file}: not a JSON object`);
    const { source, code, schema, via, strict, name } = raw;
    if (typeof source !== "string") throw new Error(`${file}: "source" must be a string`);
    if (typeof code !== "string") throw new Error(`${file}: "code" must be a string`);
    if (!isRecord(schema)) throw new Error(`${file}: "schema" must be an object`);
    if (via !== undefined && via !== "response_format" && via !== "tool_parameters") {
      throw new Error(`${file}: "via" must be "response_format" or "tool_parameters"`);
    }
    if (strict !== undefined && typeof strict !== "boolean") throw new Error(`${file}: "strict" must be a boolean`);
    if (name !== undefined && typeof name !== "string") throw new Error(`${file}: "name" must be a string`);
    const entry: CorpusEntry = { file, source, code, schema };
    if (via !== undefined) entry.via = via;
    if (strict !== undefined) entry.strict = strict;
    if (name !== undefined) entry.name = name;
    return entry;
  });
}
