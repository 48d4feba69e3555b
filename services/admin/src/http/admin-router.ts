import { OpenAPIHono, z } from "@hono/zod-openapi";
import { fromZodError, renderError } from "./render-error.js";

export type AdminEnv = { Variables: { requestId: string } };

/**
 * Every admin router (keys, providers, events, registry, ...) is made here, so a request that
 * fails its zod schema answers 400 in the OpenAI error shape naming the field, whoever wrote the route.
 */
export function adminRouter(): OpenAPIHono<AdminEnv> {
  return new OpenAPIHono<AdminEnv>({
    defaultHook: (result, c) => {
      // `data` is what was parsed, failed or not (the validator passes it along).
      if (!result.success) {
        const from = result.target === "query" ? "query" : "body";
        return renderError(fromZodError(result.error, (result as { data?: unknown }).data, from), c);
      }
      return undefined;
    },
  });
}

const ErrorBody = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("Error");

const errorContent = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** Error responses to declare on a route, so the document says what a client may get back. */
export const errors = {
  400: errorContent("Invalid request: `error.param` names the field"),
  401: errorContent("Missing or wrong admin token"),
  404: errorContent("No such resource"),
  409: errorContent("Conflicts with an existing resource"),
} as const;

/** A JSON response of one schema, for `createRoute({ responses })`. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body, for `createRoute({ request: { body } })`. */
export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Every `/api` route but health carries the admin token (see the security scheme in app.ts). */
export const ADMIN_SECURITY = [{ AdminToken: [] as string[] }];
