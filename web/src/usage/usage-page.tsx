import { useCallback, useState } from "preact/hooks";
import { AdminTokenForm } from "./admin-token-form.js";
import { GROUPINGS, groupName, type Grouping } from "./group-names.js";
import { useCharts } from "./lazy-charts.js";
import { useUsageData } from "./usage-data.js";
import { RANGES, rangePreset, type RangeId } from "./usage-range.js";
import { GroupTable, LatencyTable, SummaryCards } from "./usage-tables.js";
import "./usage.css";

/**
 * The Usage page: requests, tokens, cost and errors over a time range, by model, key or status,
 * and time to first token and latency per model, from the admin service's stored usage events.
 */
export function UsagePage() {
  const [rangeId, setRangeId] = useState<RangeId>("24h");
  const [grouping, setGrouping] = useState<Grouping>("model");
  const [reload, setReload] = useState(0);
  const preset = rangePreset(rangeId);
  const load = useUsageData(preset, grouping, reload);
  const charts = useCharts();
  const data = load.state === "ready" ? load.data : null;
  const keyNames = data?.keyNames;
  const nameOf = useCallback((group: string | null) => groupName(grouping, group, keyNames ?? new Map()), [grouping, keyNames]);
  const heading = GROUPINGS.find((g) => g.id === grouping)!;
  // Only models that answered: a call naming no model (the model list), or a model that failed
  // every time (not served), has no answer's latency to show.
  const models = data?.perModel.filter((m) => m.group && m.errors < m.requests) ?? [];

  return (
    <div class="usage">
      <header class="usage-bar">
        <h2>Usage</h2>
        <label>
          Range
          <select data-testid="usage-range" value={rangeId} onChange={(e) => setRangeId(e.currentTarget.value as RangeId)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by
          <select data-testid="usage-grouping" value={grouping} onChange={(e) => setGrouping(e.currentTarget.value as Grouping)}>
            {GROUPINGS.map((g) => (
              <option key={g.id} value={g.id}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <button data-testid="usage-refresh" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </header>
      {load.state === "failed" ? (
        <>
          <div class="error-box" role="alert" data-testid="usage-error">
            {load.message}
            {load.needsToken ? " Enter the admin service's ADMIN_TOKEN." : ""}
          </div>
          {load.needsToken ? <AdminTokenForm onSet={() => setReload((n) => n + 1)} /> : null}
        </>
      ) : null}
      {load.state === "loading" ? <p class="empty">Loading…</p> : null}
      {data ? (
        <>
          <SummaryCards groups={data.groups} />
          {data.groups.length === 0 ? <p class="empty" data-testid="usage-empty">No requests in this range.</p> : null}
          {charts ? <charts.OverTimeCharts points={data.points} range={data.range} preset={preset} nameOf={nameOf} /> : <p class="empty">Loading charts…</p>}
          <section class="usage-section">
            <h3>{heading.heading}</h3>
            <div class="scroll">
              <GroupTable groups={data.groups} nameOf={nameOf} heading={heading.label} />
            </div>
          </section>
          <section class="usage-section">
            <h3>Time to first token and latency per model</h3>
            <div class="usage-latency">
              {charts ? <charts.LatencyChart models={models} /> : <div />}
              <div class="scroll">
                <LatencyTable models={models} />
              </div>
            </div>
          </section>
        </>
      ) : null}
    </div>
  );
}
