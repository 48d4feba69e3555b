import { Ajv2020 } from "ajv/dist/2020.js";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * A standard validator (ajv, with formats) for a schema as a client wrote it: draft-07 for schemas
 * that say so or use its tuple form, 2020-12 otherwise. For tests and benchmarks only.
 */
export function schemaValidator(schema: Record<string, unknown>): (value: unknown) => boolean {
  const draft07 = String(schema.$schema ?? "").includes("draft-07") || String(schema.$schema ?? "").includes("draft-04") || JSON.stringify(schema).includes('"items":[');
  const ajv = draft07 ? new Ajv({ strict: false, allErrors: false }) : new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv as Ajv);
  // Pydantic's UUID1/3/4/5 name their version as a format of their own.
  for (const version of ["1", "3", "4", "5"]) {
    ajv.addFormat(`uuid${version}`, new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-${version}[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, "i"));
  }
  const { $schema: _ignored, ...rest } = schema;
  const validate = ajv.compile(rest);
  return (value) => validate(value) === true;
}
