import { createRoute, z } from "@hono/zod-openapi";
import { UsageEvent } from "@lantern/shared/contracts";
import type { AdminDeps } from "../admin-deps.js";
import { ADMIN_SECURITY, adminRouter, errors, json } from "../http/admin-router.js";
import { EventFilters, TIME_RANGE_ORDER, timeRangeInOrder } from "./event-filters.js";
import { aggregateEvents, listEvents, type UsageEventRow } from "./event-queries.js";
import { decodeCursor } from "./events-cursor.js";

/** A stored event: the contract's fields, with `at` as an ISO time. */
const StoredEvent = UsageEvent.omit({ v: true, type: true })
  .extend({ at: z.string().openapi({ format: "date-time" }) })
  .openapi("UsageEvent");

const EventsQuery = EventFilters.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: "Events per page (1-1000)." }),
  cursor: z
    .string()
    .transform((raw, ctx) => {
      const cursor = decodeCursor(raw);
      if (!cursor) {
        ctx.addIssue({ code: "custom", message: "is not a cursor this API returned" });
        return z.NEVER;
      }
      return cursor;
    })
    .optional()
    .openapi({ type: "string", description: "`nextCursor` of the previous page." }),
}).refine(timeRangeInOrder, TIME_RANGE_ORDER);

const EventsPage = z
  .object({
    events: z.array(StoredEvent),
    nextCursor: z.string().nullable().openapi({ description: "Cursor of the next (older) page; null on the last one." }),
  })
  .openapi("UsageEventsPage");

const AggregatesQuery = EventFilters.extend({
  groupBy: z
    .enum(["day", "key", "model", "servedModel"])
    .default("day")
    .openapi({ description: "UTC day, API key, model asked for, or model that answered (a route's step model, else the one asked for)." }),
}).refine(timeRangeInOrder, TIME_RANGE_ORDER);

const Aggregate = z
  .object({
    group: z.string().nullable().openapi({ description: "The day (YYYY-MM-DD), key id or model; a null key is open-mode traffic." }),
    requests: z.number().int(),
    errors: z.number().int().openapi({ description: "Requests answered with status 400 or more." }),
    promptTokens: z.number().int(),
    cachedTokens: z.number().int().openapi({ description: "Of the prompt tokens, those workers took from their prompt caches instead of evaluating." }),
    completionTokens: z.number().int(),
    costUsd: z.number(),
    cacheHits: z.number().int(),
    latencyP50Ms: z.number().nullable(),
    latencyP95Ms: z.number().nullable(),
    ttftP50Ms: z.number().nullable(),
  })
  .openapi("UsageAggregate");

const Aggregates = z
  .object({
    groupBy: z.enum(["day", "key", "model", "servedModel"]),
    groups: z.array(Aggregate),
  })
  .openapi("UsageAggregates");

const listRoute = createRoute({
  method: "get",
  path: "/api/events",
  tags: ["Events"],
  summary: "List usage events, newest first",
  security: ADMIN_SECURITY,
  request: { query: EventsQuery },
  responses: { 200: json(EventsPage, "A page of events"), 400: errors[400], 401: errors[401] },
});

const aggregatesRoute = createRoute({
  method: "get",
  path: "/api/events/aggregates",
  tags: ["Events"],
  summary: "Requests, errors, tokens, cost, cache hits and latency percentiles by day, key or model",
  security: ADMIN_SECURITY,
  request: { query: AggregatesQuery },
  responses: { 200: json(Aggregates, "One entry per group"), 400: errors[400], 401: errors[401] },
});

const toStoredEvent = (row: UsageEventRow): z.infer<typeof StoredEvent> => ({ ...row, at: row.at.toISOString() });

/** `GET /api/events` and `GET /api/events/aggregates` over the stored usage events. */
export function eventsApi(deps: Pick<AdminDeps, "db">) {
  const app = adminRouter();
  app.openapi(listRoute, async (c) => {
    const page = await listEvents(deps.db, c.req.valid("query"));
    return c.json({ events: page.events.map(toStoredEvent), nextCursor: page.nextCursor }, 200);
  });
  app.openapi(aggregatesRoute, async (c) => {
    const query = c.req.valid("query");
    const groups = await aggregateEvents(deps.db, query);
    return c.json({ groupBy: query.groupBy, groups }, 200);
  });
  return app;
}
