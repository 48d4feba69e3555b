import { z } from "@hono/zod-openapi";
import { and, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import { usageEvents } from "../db/schema.js";

/** ISO 8601 (`2026-05-01`, `2026-05-01T12:00:00Z`) or epoch milliseconds, like the events' own `at`. */
const TimeParam = z
  .string()
  .transform((raw, ctx) => {
    const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    // Past ±8.64e15 ms a Date is invalid, and an invalid date must not reach the query.
    if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or epoch milliseconds" });
      return z.NEVER;
    }
    return new Date(ms);
  })
  .openapi({ type: "string", example: "2026-05-01T00:00:00Z" });

/** One status (`429`) or a class (`4xx`). */
const StatusParam = z
  .string()
  .regex(/^[1-5](\d\d|[xX]{2})$/, "must be a status like 429 or a class like 4xx")
  .openapi({ example: "5xx" });

/** The filters the event list and the aggregates share; no other query parameter is taken. */
export const EventFilters = z.strictObject({
  keyId: z.string().min(1).optional().openapi({ description: "Only this API key's events." }),
  model: z.string().min(1).optional().openapi({ description: "Only requests for this model name." }),
  servedModel: z
    .string()
    .min(1)
    .optional()
    .openapi({ description: "Only requests this model answered: a route's step model, or the model asked for where no route applied." }),
  provider: z.string().min(1).optional().openapi({ description: "`local` or an upstream provider name." }),
  status: StatusParam.optional().openapi({ description: "An HTTP status (`429`) or a status class (`4xx`)." }),
  cacheHit: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "string", enum: ["true", "false"], description: "Only cache hits, or only misses." }),
  start: TimeParam.optional().openapi({ description: "Events at or after this time (ISO 8601 or epoch ms)." }),
  end: TimeParam.optional().openapi({ description: "Events before this time (ISO 8601 or epoch ms)." }),
});
export type EventFilters = z.output<typeof EventFilters>;

/** A range that ends before it starts matches nothing: it is the client's mistake, and said so. */
export const timeRangeInOrder = (filters: Pick<EventFilters, "start" | "end">) =>
  filters.start === undefined || filters.end === undefined || filters.start < filters.end;
export const TIME_RANGE_ORDER = { message: "must be after 'start'", path: ["end"] };

function statusCondition(status: string): SQL {
  const head = Number(status[0]) * 100;
  if (/xx$/i.test(status)) return and(gte(usageEvents.status, head), lt(usageEvents.status, head + 100))!;
  return eq(usageEvents.status, Number(status));
}

/** The model that answered a request: its route step's, else the one it asked for. */
export const answeringModel = sql<string>`coalesce(${usageEvents.servedModel}, ${usageEvents.model})`;

/** The WHERE clause for a set of filters; undefined when nothing is filtered. */
export function filterCondition(f: EventFilters): SQL | undefined {
  const conditions: Array<SQL | undefined> = [
    f.keyId === undefined ? undefined : eq(usageEvents.keyId, f.keyId),
    f.model === undefined ? undefined : eq(usageEvents.model, f.model),
    f.servedModel === undefined ? undefined : eq(answeringModel, f.servedModel),
    f.provider === undefined ? undefined : eq(usageEvents.provider, f.provider),
    f.status === undefined ? undefined : statusCondition(f.status),
    f.cacheHit === undefined ? undefined : eq(usageEvents.cacheHit, f.cacheHit),
    f.start === undefined ? undefined : gte(usageEvents.at, f.start),
    f.end === undefined ? undefined : lt(usageEvents.at, f.end),
  ];
  return and(...conditions.filter((c): c is SQL => c !== undefined));
}

/** The row-order key of the newest-first listing, for keyset pagination. */
export function olderThan(cursor: { at: Date; id: string }): SQL {
  return sql`(${usageEvents.at}, ${usageEvents.id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id})`;
}
