import { and, asc, desc, sql } from "drizzle-orm";
import type { AdminDb } from "../db/database.js";
import { usageEvents } from "../db/schema.js";
import { answeringModel, filterCondition, olderThan, type EventFilters } from "./event-filters.js";
import { encodeCursor, type EventsCursor } from "./events-cursor.js";

export type UsageEventRow = typeof usageEvents.$inferSelect;

interface EventsPage {
  events: UsageEventRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Newest first, `limit` at a time, continuing after `cursor`. */
export async function listEvents(db: AdminDb, query: EventFilters & { limit: number; cursor?: EventsCursor | undefined }): Promise<EventsPage> {
  const rows = await db
    .select()
    .from(usageEvents)
    .where(and(filterCondition(query), query.cursor ? olderThan(query.cursor) : undefined))
    .orderBy(desc(usageEvents.at), desc(usageEvents.id))
    .limit(query.limit + 1);
  const events = rows.slice(0, query.limit);
  const last = events.at(-1);
  return { events, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}

type AggregateGroup = "day" | "key" | "model" | "servedModel";

interface UsageAggregate {
  /** The UTC day (`2026-05-01`), key id or model name; a null key is open-mode traffic. */
  group: string | null;
  requests: number;
  /** Requests answered with a status of 400 or more (499: the client went away). */
  errors: number;
  promptTokens: number;
  /** Of `promptTokens`, those workers took from their prompt caches. */
  cachedTokens: number;
  completionTokens: number;
  costUsd: number;
  cacheHits: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  ttftP50Ms: number | null;
}

const groupColumn = {
  day: sql<string>`to_char(date_trunc('day', ${usageEvents.at} at time zone 'UTC'), 'YYYY-MM-DD')`,
  key: sql<string | null>`${usageEvents.keyId}`,
  model: sql<string>`${usageEvents.model}`,
  servedModel: answeringModel,
} as const;

const percentile = (fraction: number, column: typeof usageEvents.latencyMs | typeof usageEvents.ttftMs) =>
  sql<number | null>`percentile_cont(${sql.raw(String(fraction))}) within group (order by ${column})`.mapWith(Number);

/**
 * Totals and latency percentiles per day, key or model, computed in SQL. Days run oldest first;
 * keys and models busiest first.
 */
export async function aggregateEvents(db: AdminDb, query: EventFilters & { groupBy: AggregateGroup }): Promise<UsageAggregate[]> {
  const group = groupColumn[query.groupBy];
  const count = (condition?: ReturnType<typeof sql>) =>
    (condition ? sql<number>`count(*) filter (where ${condition})` : sql<number>`count(*)`).mapWith(Number);
  const total = (column: typeof usageEvents.promptTokens | typeof usageEvents.cachedTokens | typeof usageEvents.completionTokens | typeof usageEvents.costUsd) =>
    sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);
  const rows = await db
    .select({
      group,
      requests: count(),
      errors: count(sql`${usageEvents.status} >= 400`),
      promptTokens: total(usageEvents.promptTokens),
      cachedTokens: total(usageEvents.cachedTokens),
      completionTokens: total(usageEvents.completionTokens),
      costUsd: total(usageEvents.costUsd),
      cacheHits: count(sql`${usageEvents.cacheHit}`),
      latencyP50Ms: percentile(0.5, usageEvents.latencyMs),
      latencyP95Ms: percentile(0.95, usageEvents.latencyMs),
      ttftP50Ms: percentile(0.5, usageEvents.ttftMs),
    })
    .from(usageEvents)
    .where(filterCondition(query))
    .groupBy(group)
    .orderBy(...(query.groupBy === "day" ? [asc(group)] : [desc(sql`count(*)`), asc(group)]));
  return rows;
}
