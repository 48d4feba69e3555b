import type { Context } from "hono";
import { ZodError } from "zod";
import { ApiError } from "../../errors/api-error.js";
import { toApiError } from "../../errors/render-error.js";

/**
 * The SOP executor is a FastAPI service: its errors are `{"detail": "..."}` with the status, and a
 * body that fails validation is a 422 whose `detail` lists each problem as `{type, loc, msg}`.
 */
export class SopHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

interface ValidationItem {
  type: string;
  loc: Array<string | number>;
  msg: string;
}

const locOf = (path: ReadonlyArray<PropertyKey>) => ["body", ...path.map((p) => (typeof p === "symbol" ? String(p) : p))];

function validationItems(err: ZodError): ValidationItem[] {
  return err.issues.map((issue) => ({ type: issue.code === "invalid_type" ? "missing_or_invalid" : issue.code, loc: locOf(issue.path), msg: issue.message }));
}

/** The executor's error body and status for anything a SOP route throws; never a crash. */
export function sopErrorBody(err: unknown): { status: number; body: { detail: unknown }; headers: Record<string, string> } {
  if (err instanceof SopHttpError) return { status: err.status, body: { detail: err.detail }, headers: {} };
  if (err instanceof ZodError) return { status: 422, body: { detail: validationItems(err) }, headers: {} };
  const apiError = err instanceof ApiError ? err : toApiError(err);
  if (apiError.code === "invalid_json") {
    return { status: 422, body: { detail: [{ type: "json_invalid", loc: ["body"], msg: apiError.message }] }, headers: {} };
  }
  const detail = apiError.status >= 500 && apiError.type === "server_error" ? "Internal Server Error" : apiError.message;
  return { status: apiError.status, body: { detail }, headers: apiError.headers ?? {} };
}

export function renderSopError(err: unknown, c: Context): Response {
  const { status, body, headers } = sopErrorBody(err);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json(body, status as 400);
}

/** SOP paths answer errors in FastAPI's shape, the edge's refusals and unknown URLs included. */
export const isSopPath = (path: string) =>
  path === "/ws/monitor" || /^\/api\/v1\/(models|monitor|embeddings)(\/|$)/.test(path) || /^\/api\/v1\/tasks\/sop-/.test(path);
