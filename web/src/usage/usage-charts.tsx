import type { UsageAggregate, UsageSeriesPoint } from "@lantern/shared/contracts";
import { useMemo } from "preact/hooks";
import type { UsageRange } from "../api/usage-client.js";
import { BarChart } from "./bar-chart.js";
import { groupStyle, PALETTE, splitSeries, tokenSeries, type BarData } from "./chart-data.js";
import { formatCount, formatMs, formatTokens, formatUsd } from "./usage-format.js";
import { bucketLabel, bucketStarts, bucketWidthWords, type RangePreset } from "./usage-range.js";

interface OverTimeProps {
  points: UsageSeriesPoint[];
  range: UsageRange;
  preset: RangePreset;
  nameOf: (group: string | null) => string;
}

/** Requests, tokens, cost and errors per time bucket: four charts, the grouping stacked in each. */
export function OverTimeCharts({ points, range, preset, nameOf }: OverTimeProps) {
  const charts = useMemo(() => {
    const buckets = bucketStarts(range, preset.bucketSeconds);
    const labels = buckets.map((at) => bucketLabel(at, preset));
    const style = groupStyle(points, nameOf);
    const split = (metric: (p: UsageSeriesPoint) => number) => splitSeries(points, buckets, labels, metric, style);
    return [
      { id: "requests", title: "Requests", data: split((p) => p.requests), format: formatCount, counts: true },
      { id: "tokens", title: "Tokens", data: tokenSeries(points, buckets, labels), format: formatTokens, counts: true },
      { id: "cost", title: "Cost (USD)", data: split((p) => p.costUsd), format: formatUsd, counts: false },
      { id: "errors", title: "Errors", data: split((p) => p.errors), format: formatCount, counts: true },
    ];
  }, [points, range, preset, nameOf]);
  const width = bucketWidthWords(preset.bucketSeconds);
  return (
    <div class="usage-charts">
      {charts.map((c) => (
        <figure key={c.id} class="usage-chart">
          <figcaption>
            {c.title} <span class="muted">per {width}</span>
          </figcaption>
          <BarChart data={c.data} stacked wholeNumbers={c.counts} format={c.format} label={`${c.title} per ${width}`} testId={`chart-${c.id}`} />
        </figure>
      ))}
    </div>
  );
}

/** Time to first token and latency percentiles side by side, one row of bars per model. */
export function LatencyChart({ models }: { models: UsageAggregate[] }) {
  const data = useMemo<BarData>(() => {
    const of = (pick: (m: UsageAggregate) => number | null) => models.map((m) => pick(m) ?? 0);
    return {
      labels: models.map((m) => m.group || "(none)"),
      datasets: [
        { label: "first token p50", data: of((m) => m.ttftP50Ms), backgroundColor: PALETTE[4]! },
        { label: "first token p95", data: of((m) => m.ttftP95Ms), backgroundColor: PALETTE[0]! },
        { label: "latency p50", data: of((m) => m.latencyP50Ms), backgroundColor: PALETTE[1]! },
        { label: "latency p95", data: of((m) => m.latencyP95Ms), backgroundColor: PALETTE[5]! },
      ],
    };
  }, [models]);
  return (
    <div class="latency-chart" style={{ height: `${Math.max(160, 60 + models.length * 70)}px` }}>
      <BarChart data={data} stacked={false} horizontal format={formatMs} label="Time to first token and latency percentiles per model" testId="chart-latency" />
    </div>
  );
}
