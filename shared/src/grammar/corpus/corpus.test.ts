import Ajv2019 from "ajv/dist/2019.js";
import Ajv2020 from "ajv/dist/2020.js";
import AjvDraft7 from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { loadSchemaCorpus } from "./load-corpus.js";

type AnyAjv = InstanceType<typeof Ajv2020.default> | InstanceType<typeof Ajv2019.default> | InstanceType<typeof AjvDraft7.default>;

/**
 * One validator per dialect, chosen by the schema's own `$schema`: zod-to-json-schema and the AI
 * SDK emit draft-07 (tuples as `items: [...]`), zod-to-json-schema's "openAi" target declares
 * 2019-09, and everything else (pydantic, zod 4's default, hand-written docs) is 2020-12 or says
 * nothing, which is read as 2020-12.
 */
function validatorFor(schema: Record<string, unknown>): { dialect: string; ajv: AnyAjv } {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  const options = { strict: false, logger: false } as const;
  if (declared.includes("draft-07")) return { dialect: "draft-07", ajv: addFormats.default(new AjvDraft7.default(options)) };
  if (declared.includes("2019-09")) return { dialect: "2019-09", ajv: addFormats.default(new Ajv2019.default(options)) };
  return { dialect: "2020-12", ajv: addFormats.default(new Ajv2020.default(options)) };
}

const corpus = loadSchemaCorpus();

describe("schema corpus", () => {
  it("has at least 60 fixtures, sorted by file name, from several clients", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    const files = corpus.map((entry) => entry.file);
    expect(files).toEqual([...files].sort());
    const prefixes = new Set(files.map((file) => file.split("-")[0]));
    for (const prefix of ["pydantic", "zod", "ai", "langchain", "openai"]) expect(prefixes).toContain(prefix);
  });

  it.each(corpus.map((entry) => [entry.file, entry] as const))("%s has its code and compiles with ajv", (_file, entry) => {
    expect(entry.source.trim()).not.toBe("");
    expect(entry.code.trim()).not.toBe("");
    if (entry.via !== undefined) expect(typeof entry.strict).toBe("boolean");
    const { ajv } = validatorFor(entry.schema);
    const validate = ajv.compile(entry.schema);
    expect(typeof validate).toBe("function");
  });
});
