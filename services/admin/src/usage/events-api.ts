import { createRoute, z } from "@hono/zod-openapi";
import { USAGE_BUCKET_SECONDS, USAGE_MAX_BUCKETS, UsageAggregates, UsageEvent, UsageGroupBy, UsageSeries, UsageSplitBy } from "@lantern/shared/contracts";
import type { AdminDeps } from "../admin-deps.js";
import { ADMIN_SECURITY, adminRouter, errors, json } from "../http/admin-router.js";
import { EventFilters, TIME_RANGE_ORDER, timeRangeInOrder } from "./event-filters.js";
import { aggregateEvents, listEvents, type UsageEventRow } from "./event-queries.js";
import { eventSeries } from "./event-series.js";
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
  groupBy: UsageGroupBy.default("day").openapi({
    description: "UTC day, API key, model asked for, model that answered (a route's step model, else the one asked for), or HTTP status.",
  }),
}).refine(timeRangeInOrder, TIME_RANGE_ORDER);

/** A range given in full holds at most USAGE_MAX_BUCKETS buckets. */
const fewEnoughBuckets = (q: { start?: Date | undefined; end?: Date | undefined; bucketSeconds: number }) =>
  q.start === undefined || q.end === undefined || (q.end.getTime() - q.start.getTime()) / 1000 / q.bucketSeconds <= USAGE_MAX_BUCKETS;

const SeriesQuery = EventFilters.extend({
  bucketSeconds: z.coerce
    .number()
    .int()
    .min(USAGE_BUCKET_SECONDS.min)
    .max(USAGE_BUCKET_SECONDS.max)
    .default(3600)
    .openapi({ description: "Width of a time bucket in seconds (60 to 30 days); buckets are aligned to whole widths since 1970, UTC." }),
  splitBy: UsageSplitBy.default("none").openapi({ description: "Split each bucket by API key, model asked for, model that answered, or HTTP status." }),
})
  .refine(timeRangeInOrder, TIME_RANGE_ORDER)
  .refine(fewEnoughBuckets, { message: `holds more than ${USAGE_MAX_BUCKETS} buckets between 'start' and 'end': widen the buckets or narrow the range`, path: ["bucketSeconds"] });

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
  summary: "Requests, errors, tokens, cost, cache hits and latency percentiles by day, key, model or status",
  security: ADMIN_SECURITY,
  request: { query: AggregatesQuery },
  responses: { 200: json(UsageAggregates, "One entry per group"), 400: errors[400], 401: errors[401] },
});

const seriesRoute = createRoute({
  method: "get",
  path: "/api/events/series",
  tags: ["Events"],
  summary: "Requests, errors, tokens and cost per time bucket, split by key, model or status",
  security: ADMIN_SECURITY,
  request: { query: SeriesQuery },
  responses: { 200: json(UsageSeries, "One point per bucket and group that had requests"), 400: errors[400], 401: errors[401] },
});

const toStoredEvent = (row: UsageEventRow): z.infer<typeof StoredEvent> => ({ ...row, at: row.at.toISOString() });

/** `GET /api/events`, `/api/events/aggregates` and `/api/events/series` over the stored usage events. */
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
  app.openapi(seriesRoute, async (c) => {
    const query = c.req.valid("query");
    const points = await eventSeries(deps.db, query);
    return c.json({ bucketSeconds: query.bucketSeconds, splitBy: query.splitBy, points }, 200);
  });
  return app;
}
