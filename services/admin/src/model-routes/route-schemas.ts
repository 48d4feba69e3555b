import { z } from "@hono/zod-openapi";

const Timestamp = z.iso.datetime({ offset: true });
const ModelName = z.string().min(1).max(256);

const RouteStepInput = z
  .strictObject({
    provider: z.string().min(1).openapi({ description: "A provider name, or `local` for the worker fleet.", example: "local" }),
    model: ModelName.openapi({ description: "The model name at that provider.", example: "stories260K" }),
    timeoutMs: z.number().int().positive().max(600_000).nullable().default(null).openapi({ description: "Overrides the provider's timeout for this step." }),
    retries: z.number().int().min(0).max(5).default(0).openapi({ description: "Extra attempts on 503, 429, 5xx or timeout before the next step." }),
  })
  .openapi("RouteStep");

const Steps = z.array(RouteStepInput).min(1).max(8);

export const RouteCreate = z.strictObject({ model: ModelName.openapi({ example: "chat-default" }), steps: Steps }).openapi("RouteCreate");
export type RouteCreate = z.output<typeof RouteCreate>;

export const RouteUpdate = z.strictObject({ steps: Steps }).openapi("RouteUpdate");
export type RouteUpdate = z.output<typeof RouteUpdate>;

export const RouteView = z
  .object({
    model: z.string(),
    steps: z.array(z.object({ provider: z.string(), model: z.string(), timeoutMs: z.number().int().nullable(), retries: z.number().int() })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Route");
export type RouteView = z.output<typeof RouteView>;

export const RouteList = z.object({ data: z.array(RouteView) }).openapi("RouteList");

/** Model names may hold `/`: send it encoded (`%2F`). */
export const ModelParam = z.object({ model: ModelName.openapi({ param: { name: "model", in: "path" }, description: "URL-encoded model name." }) });
