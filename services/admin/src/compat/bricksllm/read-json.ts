import type { Context } from "hono";
import { ProblemError } from "./problem.js";

/** The request's JSON body; a body that is not JSON is BricksLLM's json-unmarshal problem (a 400 here, not its 500). */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch (err) {
    throw new ProblemError(400, "/errors/json-unmarshal", "json unmarshaller error", err instanceof Error ? err.message : String(err));
  }
}
