import { z, type Hook } from "@hono/zod-openapi";
import type { Env } from "hono";

/** The OpenAI error body, the one error shape of every admin route. */
export const ErrorBody = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorBody>;

export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

/**
 * Renders a failed request validation as a 400 naming the first offending field, for routers
 * created with `new OpenAPIHono({ defaultHook: invalidRequestHook })`.
 */
export const invalidRequestHook: Hook<unknown, Env, string, Response | undefined> = (result, c) => {
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.join(".") : null;
  const message = issue ? `${param ? `'${param}': ` : ""}${issue.message}` : "Invalid request.";
  return c.json(errorBody(message, "invalid_request_error", param, "invalid_value"), 400);
};
