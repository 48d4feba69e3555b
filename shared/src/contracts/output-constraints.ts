import { z } from "zod";
import { GbnfSyntaxError, jsonSchemaToGbnf, parseGbnf, UnsupportedSchemaError } from "../grammar/index.js";
import type { OutputFormat } from "./infer-job.js";

/** Why a schema cannot be enforced by a grammar (keyword and JSON pointer named); undefined when it can. */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    jsonSchemaToGbnf(schema);
    return undefined;
  } catch (err) {
    if (err instanceof UnsupportedSchemaError) return `This JSON schema cannot be enforced: ${err.message}.`;
    throw err;
  }
}

/** Why a GBNF grammar does not parse (line and column named); undefined when it does. */
function grammarProblem(text: string): string | undefined {
  try {
    parseGbnf(text);
    return undefined;
  } catch (err) {
    if (err instanceof GbnfSyntaxError) return `The grammar does not parse: ${err.message}.`;
    throw err;
  }
}

/** The `grammar` request field: GBNF text (llama-server's extension), parsed before any job is queued. */
export const GrammarText = z
  .string()
  .min(1, "must not be empty")
  .max(1_000_000)
  .superRefine((text, ctx) => {
    const problem = grammarProblem(text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** The fields of a request that constrain its output's shape. */
interface OutputConstraintFields {
  response_format?: { type: string; json_schema?: { schema: Record<string, unknown> } } | null | undefined;
  grammar?: string | null | undefined;
}

/** The job's output format for already-checked `response_format` / `grammar` fields; none for free text. */
export function outputFormatOf(fields: OutputConstraintFields): OutputFormat | undefined {
  if (fields.grammar) return { type: "gbnf", grammar: fields.grammar };
  const format = fields.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_schema" && format.json_schema) return { type: "json_schema", schema: format.json_schema.schema };
  return { type: "json" };
}
