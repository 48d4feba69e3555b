/**
 * One tick for every stream of a worker: text waiting to be sent from any slot leaves on the same
 * tick, so a worker running eight streams writes to NATS once per interval instead of eight
 * times, and the broker and the gateway wake up once for all of them.
 */
export class FlushClock {
  private readonly due = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {}

  /** Runs `flush` on the next tick, at most `intervalMs` from now. */
  schedule(flush: () => void): void {
    this.due.add(flush);
    this.timer ??= setTimeout(this.tick, this.intervalMs);
  }

  unschedule(flush: () => void): void {
    this.due.delete(flush);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const due = [...this.due];
    this.due.clear();
    for (const flush of due) flush();
  };
}
