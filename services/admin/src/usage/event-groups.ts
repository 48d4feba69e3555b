import { sql, type SQL } from "drizzle-orm";
import { usageEvents } from "../db/schema.js";
import { answeringModel } from "./event-filters.js";

/** The SQL of each grouping the aggregates and series offer (a null key is open-mode traffic). */
export const groupColumn = {
  day: sql<string>`to_char(date_trunc('day', ${usageEvents.at} at time zone 'UTC'), 'YYYY-MM-DD')`,
  key: sql<string | null>`${usageEvents.keyId}`,
  model: sql<string>`${usageEvents.model}`,
  servedModel: answeringModel,
  status: sql<string>`${usageEvents.status}::text`,
} as const;

export const count = (condition?: SQL) => (condition ? sql<number>`count(*) filter (where ${condition})` : sql<number>`count(*)`).mapWith(Number);

const sumOf = (column: typeof usageEvents.promptTokens | typeof usageEvents.cachedTokens | typeof usageEvents.completionTokens | typeof usageEvents.costUsd) =>
  sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

/** Requests, errors, tokens and cost: the sums every group and time bucket has. */
export const totalColumns = () => ({
  requests: count(),
  errors: count(sql`${usageEvents.status} >= 400`),
  promptTokens: sumOf(usageEvents.promptTokens),
  cachedTokens: sumOf(usageEvents.cachedTokens),
  completionTokens: sumOf(usageEvents.completionTokens),
  costUsd: sumOf(usageEvents.costUsd),
});
