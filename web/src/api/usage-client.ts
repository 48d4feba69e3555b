import type { UsageAggregates, UsageGroupBy, UsageSeries, UsageSplitBy } from "@lantern/shared/contracts";
import { AdminError, adminToken } from "./admin-client.js";
import { errorFromResponse } from "./api-error.js";

/** The gateway forwards these to the admin service's usage analytics. */
const BASE = "/admin/api/events";

/** The time range every usage call is asked for. */
export interface UsageRange {
  start: Date;
  end: Date;
}

async function get<T>(path: string, params: Record<string, string>): Promise<T> {
  const token = adminToken.get();
  const res = await fetch(`${BASE}${path}?${new URLSearchParams(params)}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new AdminError(await errorFromResponse(res), res.status);
  return (await res.json()) as T;
}

const rangeParams = (range: UsageRange) => ({ start: range.start.toISOString(), end: range.end.toISOString() });

export const usageApi = {
  /** Totals and latency percentiles per group over the range. */
  aggregates: (range: UsageRange, groupBy: UsageGroupBy) => get<UsageAggregates>("/aggregates", { ...rangeParams(range), groupBy }).then((r) => r.groups),
  /** Totals per time bucket, split by a group. */
  series: (range: UsageRange, bucketSeconds: number, splitBy: UsageSplitBy) =>
    get<UsageSeries>("/series", { ...rangeParams(range), bucketSeconds: String(bucketSeconds), splitBy }).then((r) => r.points),
};
