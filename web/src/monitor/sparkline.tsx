import type { Sample } from "./monitor-state.js";

/** A small line chart of the samples over the time they span, scaled to their maximum. */
export function Sparkline({ samples, label, unit }: { samples: Sample[]; label: string; unit: string }) {
  const width = 240;
  const height = 48;
  const last = samples.at(-1)?.value ?? 0;
  const max = Math.max(1, ...samples.map((s) => s.value));
  const first = samples[0]?.at ?? 0;
  const span = Math.max(1, (samples.at(-1)?.at ?? 1) - first);
  const points = samples.map((s) => `${(((s.at - first) / span) * width).toFixed(1)},${(height - (s.value / max) * (height - 4) - 2).toFixed(1)}`).join(" ");
  return (
    <figure class="sparkline">
      <figcaption>
        {label}: <strong>{last.toFixed(last < 10 && last % 1 !== 0 ? 1 : 0)}</strong> {unit}
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} preserveAspectRatio="none" role="img" aria-label={`${label} over the last minutes`}>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
      </svg>
    </figure>
  );
}
