import { formatBytes } from "@lantern/shared/config";

interface ProgressNumbers {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  etaMs: number | null;
}

/** `1m05s`, `2h03m`, `9s`. */
function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const percentOf = (p: ProgressNumbers) => (p.totalBytes ? Math.min(100, (p.receivedBytes / p.totalBytes) * 100) : null);

/** `[#########.........]  45.0%  540.0 KiB / 1.2 MiB  1.1 MiB/s  ETA 1s`, fitted to `width` columns. */
export function progressBar(p: ProgressNumbers, width: number): string {
  const percent = percentOf(p);
  const amounts = p.totalBytes ? `${formatBytes(p.receivedBytes)} / ${formatBytes(p.totalBytes)}` : formatBytes(p.receivedBytes);
  const tail = [
    percent === null ? "" : `${percent.toFixed(1).padStart(5)}%`,
    amounts,
    `${formatBytes(p.bytesPerSecond)}/s`,
    p.etaMs === null ? "" : `ETA ${formatDuration(p.etaMs)}`,
  ]
    .filter(Boolean)
    .join("  ");
  const barWidth = Math.min(40, width - tail.length - 4);
  if (barWidth < 10 || percent === null) return tail.slice(0, width);
  const filled = Math.round((percent / 100) * barWidth);
  return `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]  ${tail}`;
}

/** One line for logs and pipes: `45.0% (540.0 KiB of 1.2 MiB) at 1.1 MiB/s, about 1s left`. */
export function progressText(p: ProgressNumbers): string {
  const percent = percentOf(p);
  const amounts = p.totalBytes ? `${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}` : formatBytes(p.receivedBytes);
  const head = percent === null ? amounts : `${percent.toFixed(1)}% (${amounts})`;
  const eta = p.etaMs === null ? "" : `, about ${formatDuration(p.etaMs)} left`;
  return `${head} at ${formatBytes(p.bytesPerSecond)}/s${eta}`;
}
