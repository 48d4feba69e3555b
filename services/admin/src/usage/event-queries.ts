import { and, asc, desc, sql } from "drizzle-orm";
import type { AdminDb } from "../db/database.js";
import { usageEvents } from "../db/schema.js";
import type { UsageAggregate, UsageGroupBy } from "@lantern/shared/contracts";
import { filterCondition, olderThan, type EventFilters } from "./event-filters.js";
import { count, groupColumn, totalColumns } from "./event-groups.js";
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

const percentile = (fraction: number, column: typeof usageEvents.latencyMs | typeof usageEvents.ttftMs) =>
  sql<number | null>`percentile_cont(${sql.raw(String(fraction))}) within group (order by ${column})`.mapWith(Number);

/**
 * Totals and latency percentiles per day, key, model or status, computed in SQL. Days run oldest
 * first; the others busiest first.
 */
export async function aggregateEvents(db: AdminDb, query: EventFilters & { groupBy: UsageGroupBy }): Promise<UsageAggregate[]> {
  const group = groupColumn[query.groupBy];
  return db
    .select({
      group,
      ...totalColumns(),
      cacheHits: count(sql`${usageEvents.cacheHit}`),
      latencyP50Ms: percentile(0.5, usageEvents.latencyMs),
      latencyP95Ms: percentile(0.95, usageEvents.latencyMs),
      ttftP50Ms: percentile(0.5, usageEvents.ttftMs),
      ttftP95Ms: percentile(0.95, usageEvents.ttftMs),
    })
    .from(usageEvents)
    .where(filterCondition(query))
    .groupBy(group)
    .orderBy(...(query.groupBy === "day" ? [asc(group)] : [desc(sql`count(*)`), asc(group)]));
}
