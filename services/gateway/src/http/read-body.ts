import type { Context } from "hono";
import type { z } from "zod";
import { invalidRequest } from "../errors/api-error.js";

/** Reads a JSON body and parses it with the route's schema; bad JSON and bad shapes become 400s. */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalidRequest("We could not parse the JSON body of your request. Send valid JSON.", null, "invalid_json");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidRequest("The request body must be a JSON object.", null, "invalid_json");
  }
  return schema.parse(raw);
}
