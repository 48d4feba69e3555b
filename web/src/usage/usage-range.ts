import type { UsageRange } from "../api/usage-client.js";

/** The ranges the page offers, each with a bucket width that gives a readable number of bars. */
export const RANGES = [
  { id: "1h", label: "Last hour", seconds: 3_600, bucketSeconds: 60 },
  { id: "6h", label: "Last 6 hours", seconds: 6 * 3_600, bucketSeconds: 10 * 60 },
  { id: "24h", label: "Last 24 hours", seconds: 86_400, bucketSeconds: 3_600 },
  { id: "7d", label: "Last 7 days", seconds: 7 * 86_400, bucketSeconds: 6 * 3_600 },
  { id: "30d", label: "Last 30 days", seconds: 30 * 86_400, bucketSeconds: 86_400 },
] as const;
export type RangeId = (typeof RANGES)[number]["id"];
export type RangePreset = (typeof RANGES)[number];

export const rangePreset = (id: RangeId): RangePreset => RANGES.find((r) => r.id === id) ?? RANGES[0];

/**
 * The range up to now, its start moved back to a bucket boundary (the admin service aligns buckets
 * to whole widths since 1970) so the first bar covers a whole bucket.
 */
export function rangeEndingNow(preset: RangePreset, now = Date.now()): UsageRange {
  const width = preset.bucketSeconds * 1000;
  const start = Math.floor((now - preset.seconds * 1000) / width) * width;
  // A second past now: an event stamped as the page asks still falls inside.
  return { start: new Date(start), end: new Date(now + 1000) };
}

/** Every bucket's start in the range, so bars line up with time even where nothing happened. */
export function bucketStarts(range: UsageRange, bucketSeconds: number): number[] {
  const width = bucketSeconds * 1000;
  const starts: number[] = [];
  for (let at = range.start.getTime(); at < range.end.getTime(); at += width) starts.push(at);
  return starts;
}

/** "minute", "10 min", "hour", "6 h", "day": what one bar covers. */
export function bucketWidthWords(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3_600) return "hour";
  if (seconds === 86_400) return "day";
  return seconds < 3_600 ? `${seconds / 60} min` : seconds < 86_400 ? `${seconds / 3_600} h` : `${seconds / 86_400} days`;
}

const timeOfDay = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const dayAndHour = new Intl.DateTimeFormat("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit" });
// Day buckets are UTC days.
const day = new Intl.DateTimeFormat("en-GB", { month: "short", day: "numeric", timeZone: "UTC" });

/** A bucket's axis label: the time of day within a day, the weekday and hour within a week, else the date. */
export function bucketLabel(at: number, preset: RangePreset): string {
  if (preset.bucketSeconds >= 86_400) return day.format(at);
  if (preset.seconds > 86_400) return dayAndHour.format(at);
  return timeOfDay.format(at);
}
