/**
 * Runs `onSilence` whenever a watch has delivered nothing for `silentMs`, then every `silentMs`
 * while it stays silent. A KV watch whose consumer lived on a lost NATS node delivers nothing
 * until nats.js notices (two missed 5 s idle heartbeats, ~10 s) and recreates it; meanwhile
 * what it watches can still be read directly from a surviving replica.
 */
export class SilentWatch {
  private lastHeardAt = Date.now();
  private running = false;
  private readonly timer: NodeJS.Timeout;

  constructor(silentMs: number, onSilence: () => Promise<void>) {
    this.timer = setInterval(() => {
      if (this.running || Date.now() - this.lastHeardAt < silentMs) return;
      this.running = true;
      void onSilence().finally(() => {
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
