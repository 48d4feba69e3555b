import type { Context } from "hono";
import type { ZodError } from "zod";
import type { BricksProblem } from "@lantern/shared/contracts";
import { toApiError } from "../../http/render-error.js";

/** A failure on a BricksLLM route, answered in BricksLLM's problem shape. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const validationProblem = (title: string, detail: string) => new ProblemError(400, "/errors/validation", title, detail);

/** BricksLLM's validation detail: `fields [x] are invalid`, here with what is wrong with each. */
export function zodProblem(err: ZodError, title: string): ProblemError {
  const fields = err.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "body";
    return `${field} (${issue.message})`;
  });
  return validationProblem(title, `fields [${fields.join(", ")}] are invalid`);
}

const TITLES: Record<number, string> = { 400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 409: "conflict", 413: "request too large" };

/** Anything a BricksLLM route throws, as its problem body; Lantern's own errors keep their message. */
export function problemOf(err: unknown, instance: string): { body: BricksProblem; status: number } {
  if (err instanceof ProblemError) return { status: err.status, body: { type: err.type, title: err.title, status: err.status, detail: err.detail, instance } };
  const apiError = toApiError(err);
  const type = `/errors/${(apiError.code ?? apiError.type).replace(/_/g, "-")}`;
  const title = TITLES[apiError.status] ?? "internal error";
  return { status: apiError.status, body: { type, title, status: apiError.status, detail: apiError.message, instance } };
}

export function renderProblem(c: Context, err: unknown, instance: string): Response {
  const { body, status } = problemOf(err, instance);
  return c.json(body, status as 400);
}
