/**
 * Runs `onSilence` whenever a watch has delivered nothing for `silentMs`, then every `silentMs`
 * while it stays silent. A KV watch whose consumer lived on a lost NATS node delivers nothing
 * until it is made again (see followBucket); meanwhile what it watches can still be read directly
 * from a surviving replica.
 */
export class SilentWatch {
  private lastHeardAt = Date.now();
  private running = false;
  private readonly timer: NodeJS.Timeout;

  /** `onSilence` is told since when the watch has been silent. */
  constructor(silentMs: number, onSilence: (silentSince: number) => Promise<void>) {
    this.timer = setInterval(() => {
      if (this.running || Date.now() - this.lastHeardAt < silentMs) return;
      this.running = true;
      void onSilence(this.lastHeardAt).finally(() => {
        this.running = false;
      });
    }, Math.max(100, Math.round(silentMs / 2)));
    this.timer.unref();
  }

  /** The watch delivered an entry. */
  heard(): void {
    this.lastHeardAt = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
