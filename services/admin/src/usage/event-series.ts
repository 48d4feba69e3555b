import { asc, desc, sql } from "drizzle-orm";
import type { UsageSeriesPoint, UsageSplitBy } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { usageEvents } from "../db/schema.js";
import { filterCondition, type EventFilters } from "./event-filters.js";
import { groupColumn, totalColumns } from "./event-groups.js";

/**
 * The bucket's start in epoch seconds, whole buckets since 1970 (so a day bucket is a UTC day).
 * The width is inlined, not bound: a bound parameter would make the SELECT and GROUP BY two
 * different expressions to Postgres. It is a validated integer.
 */
const bucketStart = (bucketSeconds: number) => {
  const width = sql.raw(String(Math.trunc(bucketSeconds)));
  return sql<number>`(floor(extract(epoch from ${usageEvents.at}) / ${width}) * ${width})::bigint`.mapWith(Number);
};

/**
 * Requests, errors, tokens and cost per time bucket, each bucket split by key, model or status
 * (or not at all), computed in SQL. Buckets oldest first, groups busiest first within a bucket.
 */
export async function eventSeries(db: AdminDb, query: EventFilters & { bucketSeconds: number; splitBy: UsageSplitBy }): Promise<UsageSeriesPoint[]> {
  const bucket = bucketStart(query.bucketSeconds);
  const group = query.splitBy === "none" ? sql<string | null>`null::text` : groupColumn[query.splitBy];
  const rows = await db
    .select({ bucket, group, ...totalColumns() })
    .from(usageEvents)
    .where(filterCondition(query))
    .groupBy(...(query.splitBy === "none" ? [bucket] : [bucket, group]))
    .orderBy(asc(bucket), desc(sql`count(*)`), asc(group));
  return rows.map(({ bucket: seconds, ...point }) => ({ start: new Date(seconds * 1000).toISOString(), ...point }));
}
