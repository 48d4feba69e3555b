import { GO_DURATION } from "@lantern/shared/contracts";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A Go duration (`720h`, `1h30m`, `1.5s`) in milliseconds; undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return ms;
}

/** Whole seconds as a Go duration (`3600s` reads back as an hour in Go and here). */
export const goDurationOfSeconds = (seconds: number): string => `${Math.max(0, Math.round(seconds))}s`;
