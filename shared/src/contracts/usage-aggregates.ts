import { z } from "zod";

/*
 * The admin service's usage analytics (`/api/events/aggregates`, `/api/events/series`), as it
 * answers: the admin service documents its answers with these, the web app's Usage page types its
 * calls by them.
 */

/** What `/api/events/aggregates` groups by: UTC day, API key, model asked for, model that answered, or HTTP status. */
export const UsageGroupBy = z.enum(["day", "key", "model", "servedModel", "status"]);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

/** What `/api/events/series` splits each time bucket by; `none`: one total per bucket. */
export const UsageSplitBy = z.enum(["none", "key", "model", "servedModel", "status"]);
export type UsageSplitBy = z.infer<typeof UsageSplitBy>;

/** Time buckets of a series: a minute to 30 days. */
export const USAGE_BUCKET_SECONDS = { min: 60, max: 30 * 86_400 } as const;
/** A series over a given range holds at most this many buckets, so a range cannot ask for millions of them. */
export const USAGE_MAX_BUCKETS = 5_000;

const Group = z.string().nullable().meta({ description: "The day (YYYY-MM-DD), key id, model or status; a null key is open-mode traffic." });

/** The sums every group and bucket has. */
const totals = {
  requests: z.number().int(),
  errors: z.number().int().meta({ description: "Requests answered with status 400 or more (499: the client went away)." }),
  promptTokens: z.number().int(),
  cachedTokens: z.number().int().meta({ description: "Of the prompt tokens, those workers took from their prompt caches instead of evaluating." }),
  completionTokens: z.number().int(),
  costUsd: z.number(),
};

const Percentile = z.number().nullable().meta({ description: "Milliseconds; null when no request of the group has one." });

export const UsageAggregate = z
  .object({
    group: Group,
    ...totals,
    cacheHits: z.number().int(),
    latencyP50Ms: Percentile,
    latencyP95Ms: Percentile,
    ttftP50Ms: Percentile,
    ttftP95Ms: Percentile,
  })
  .meta({ id: "UsageAggregate" });
export type UsageAggregate = z.infer<typeof UsageAggregate>;

export const UsageAggregates = z
  .object({
    groupBy: UsageGroupBy,
    groups: z.array(UsageAggregate),
  })
  .meta({ id: "UsageAggregates" });
export type UsageAggregates = z.infer<typeof UsageAggregates>;

export const UsageSeriesPoint = z
  .object({
    start: z.iso.datetime({ offset: true }).meta({ description: "Start of the bucket (UTC, aligned to whole buckets since 1970)." }),
    group: Group,
    ...totals,
  })
  .meta({ id: "UsageSeriesPoint" });
export type UsageSeriesPoint = z.infer<typeof UsageSeriesPoint>;

export const UsageSeries = z
  .object({
    bucketSeconds: z.number().int(),
    splitBy: UsageSplitBy,
    points: z.array(UsageSeriesPoint).meta({ description: "Buckets oldest first, groups busiest first within a bucket; buckets without requests are left out." }),
  })
  .meta({ id: "UsageSeries" });
export type UsageSeries = z.infer<typeof UsageSeries>;
