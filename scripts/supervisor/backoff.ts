/**
 * How long to wait before restarting a child that exited: 1 s, doubling up to a cap, and back to
 * 1 s once a run lasted long enough to count as healthy (so a crash an hour later restarts fast,
 * while a child that dies on every start does not spin).
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the delay to `initialMs`. */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, healthyAfterMs: 60_000 };

export class RestartBackoff {
  private nextMs: number;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    this.nextMs = options.initialMs;
  }

  /** The delay before the next start, given how long the run that just ended lasted. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.options.healthyAfterMs) this.nextMs = this.options.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.options.maxMs);
    return delay;
  }
}
