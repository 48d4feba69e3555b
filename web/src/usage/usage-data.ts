import { useEffect, useState } from "preact/hooks";
import type { UsageAggregate, UsageSeriesPoint } from "@lantern/shared/contracts";
import { adminKeys, AdminError } from "../api/admin-client.js";
import { usageApi, type UsageRange } from "../api/usage-client.js";
import type { Grouping } from "./group-names.js";
import type { RangePreset } from "./usage-range.js";
import { rangeEndingNow } from "./usage-range.js";

export interface UsageData {
  range: UsageRange;
  /** Totals and percentiles per group of the chosen grouping. */
  groups: UsageAggregate[];
  /** The chosen grouping per time bucket. */
  points: UsageSeriesPoint[];
  /** Percentiles per model that answered, whatever the grouping. */
  perModel: UsageAggregate[];
  /** Key id to name, where the Keys list could be read. */
  keyNames: Map<string, string>;
}

export type UsageLoad = { state: "loading" } | { state: "ready"; data: UsageData } | { state: "failed"; message: string; needsToken: boolean };

/** The page's figures for a range and grouping, asked again whenever `reload` changes. */
export function useUsageData(preset: RangePreset, grouping: Grouping, reload: number): UsageLoad {
  const [load, setLoad] = useState<UsageLoad>({ state: "loading" });
  useEffect(() => {
    let current = true;
    const range = rangeEndingNow(preset);
    Promise.all([
      usageApi.aggregates(range, grouping),
      usageApi.series(range, preset.bucketSeconds, grouping),
      usageApi.aggregates(range, "servedModel"),
      // Names only make ids readable: without them the page still shows everything.
      grouping === "key" ? adminKeys.list().catch(() => []) : Promise.resolve([]),
    ]).then(
      ([groups, points, perModel, keys]) => {
        if (current) setLoad({ state: "ready", data: { range, groups, points, perModel, keyNames: new Map(keys.map((k) => [k.id, k.name])) } });
      },
      (err: unknown) => {
        if (!current) return;
        const message = err instanceof AdminError ? err.body.message : String(err);
        setLoad({ state: "failed", message, needsToken: err instanceof AdminError && err.status === 401 });
      },
    );
    return () => {
      current = false;
    };
  }, [preset, grouping, reload]);
  return load;
}
