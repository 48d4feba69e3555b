import type { UsageSeriesPoint } from "@lantern/shared/contracts";

/** A bar chart's input: what Chart.js draws, without its options. */
export interface BarData {
  labels: string[];
  datasets: Array<{ label: string; data: number[]; backgroundColor: string }>;
}

/** Distinct on a white card and for most kinds of colour blindness (Okabe–Ito, then greys). */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#555555", "#999999"];
/** Groups drawn one by one; the rest share one "other" bar. */
const MAX_GROUPS = 6;
/** The key of that bar: no group name can collide with it. */
const OTHER = Symbol("other");

type Metric = (point: UsageSeriesPoint) => number;

/** How each chart names and colours a group: the same colour for a group in every chart. */
export interface GroupStyle {
  nameOf(group: string | null): string;
  colorOf(group: string | null): string;
}

/** Colours by the groups' requests over the whole range, busiest first; the rest share the grey of "other". */
export function groupStyle(points: UsageSeriesPoint[], nameOf: (group: string | null) => string): GroupStyle {
  const requests = new Map<string | null, number>();
  for (const p of points) requests.set(p.group, (requests.get(p.group) ?? 0) + p.requests);
  const ranked = [...requests.entries()].sort((a, b) => b[1] - a[1]).map(([group]) => group);
  const colors = new Map(ranked.map((group, i) => [group, i < PALETTE.length - 1 ? PALETTE[i]! : PALETTE.at(-1)!]));
  return { nameOf, colorOf: (group) => colors.get(group) ?? PALETTE.at(-1)! };
}

/**
 * One stacked dataset per group (the busiest by `metric`, the rest as "other"), one value per
 * bucket, zero where a bucket had nothing.
 */
export function splitSeries(points: UsageSeriesPoint[], buckets: number[], labels: string[], metric: Metric, style: GroupStyle): BarData {
  const totals = new Map<string | null, number>();
  for (const p of points) totals.set(p.group, (totals.get(p.group) ?? 0) + metric(p));
  const ranked = [...totals.entries()].filter(([, total]) => total > 0).sort((a, b) => b[1] - a[1]);
  const shown = ranked.slice(0, ranked.length > MAX_GROUPS ? MAX_GROUPS - 1 : MAX_GROUPS).map(([group]) => group);
  const rows = new Map<string | null | typeof OTHER, number[]>(shown.map((g) => [g, buckets.map(() => 0)]));
  if (ranked.length > shown.length) rows.set(OTHER, buckets.map(() => 0));
  const slot = new Map(buckets.map((at, i) => [at, i]));
  for (const p of points) {
    const i = slot.get(Date.parse(p.start));
    if (i === undefined) continue;
    const row = rows.get(p.group) ?? rows.get(OTHER);
    if (row) row[i]! += metric(p);
  }
  return {
    labels,
    datasets: [...rows.entries()].map(([group, data]) => ({
      label: group === OTHER ? "other" : style.nameOf(group),
      data,
      backgroundColor: group === OTHER ? PALETTE.at(-1)! : style.colorOf(group),
    })),
  };
}

/** Prompt tokens evaluated, prompt tokens taken from the cache, and completion tokens, per bucket over every group. */
export function tokenSeries(points: UsageSeriesPoint[], buckets: number[], labels: string[]): BarData {
  const slot = new Map(buckets.map((at, i) => [at, i]));
  const evaluated = buckets.map(() => 0);
  const cached = buckets.map(() => 0);
  const completion = buckets.map(() => 0);
  for (const p of points) {
    const i = slot.get(Date.parse(p.start));
    if (i === undefined) continue;
    evaluated[i]! += p.promptTokens - p.cachedTokens;
    cached[i]! += p.cachedTokens;
    completion[i]! += p.completionTokens;
  }
  return {
    labels,
    datasets: [
      { label: "prompt (evaluated)", data: evaluated, backgroundColor: PALETTE[0]! },
      { label: "prompt (cached)", data: cached, backgroundColor: PALETTE[4]! },
      { label: "completion", data: completion, backgroundColor: PALETTE[1]! },
    ],
  };
}
