/** How the Usage page writes its figures: short enough for a card or a table cell. */

const whole = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export const formatCount = (n: number) => whole.format(n);

/** Exact below ten thousand, then 12.3K, 4.5M. */
export const formatTokens = (n: number) => (n < 10_000 ? whole.format(n) : compact.format(n));

/** Cents and up with two decimals; smaller sums with their first significant digits. */
export function formatUsd(n: number): string {
  if (n === 0) return "$0";
  if (n >= 0.01) return `$${n.toFixed(2)}`;
  return `$${n.toPrecision(2)}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const formatPercent = (part: number, whole: number) => (whole === 0 ? "0%" : `${((part / whole) * 100).toFixed(part === whole || part === 0 ? 0 : 1)}%`);
