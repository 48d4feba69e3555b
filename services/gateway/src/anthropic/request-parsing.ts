import type { z } from "zod";
import { invalidRequest } from "../errors/api-error.js";

type Issue = z.core.$ZodIssue;

const paramOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");

/**
 * The issue that says most, with its full path: inside a union (text or blocks), the one branch
 * that got past the type check, not the union's bare "Invalid input".
 */
function telling(issue: Issue, path: readonly PropertyKey[]): { path: readonly PropertyKey[]; message: string } {
  if (issue.code === "invalid_union") {
    const deeper = issue.errors.filter((branch) => branch.length > 0 && !(branch.length === 1 && branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0));
    if (deeper.length === 1) return telling(deeper[0]![0]!, [...path, ...deeper[0]![0]!.path]);
  }
  return { path, message: issue.message };
}

/** Parses a Messages request body; a bad one is a 400 naming the innermost field at fault. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0]!;
  const { path, message } = telling(first, first.path);
  const param = path.length > 0 ? paramOf(path) : null;
  throw invalidRequest(param ? `Invalid value for '${param}': ${message}` : message, param);
}
