/** The rate is measured over about this long, so one slow or fast moment does not swing the ETA. */
const WINDOW_MS = 5_000;

interface ProgressSample {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  etaMs: number | null;
}

interface ProgressMeterOptions {
  intervalMs: number;
  totalBytes: number | null;
  /** Bytes on disk now. */
  read(): number;
  report(sample: ProgressSample): Promise<unknown>;
}

/**
 * Reports a download's progress every `intervalMs` while bytes keep arriving, with a rate over
 * the last few seconds and the time left at that rate. Reports go out one after another.
 */
export class ProgressMeter {
  private readonly samples: { at: number; bytes: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private tail: Promise<unknown> = Promise.resolve();
  private lastReported = -1;

  constructor(private readonly opts: ProgressMeterOptions) {
    this.samples.push({ at: Date.now(), bytes: opts.read() });
    this.timer = setInterval(() => this.tick(), opts.intervalMs);
  }

  /** Stops reporting after one last report of anything new; resolves once every report went out. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.tick();
    await this.tail;
  }

  private tick(): void {
    const now = Date.now();
    const bytes = this.opts.read();
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
    if (bytes === this.lastReported) return;
    this.lastReported = bytes;
    const first = this.samples[0]!;
    const elapsedMs = now - first.at;
    const bytesPerSecond = elapsedMs > 0 ? Math.max(0, ((bytes - first.bytes) * 1000) / elapsedMs) : 0;
    const { totalBytes } = this.opts;
    const etaMs = totalBytes !== null && bytesPerSecond > 0 ? Math.round((Math.max(0, totalBytes - bytes) / bytesPerSecond) * 1000) : null;
    const sample = { receivedBytes: bytes, totalBytes, bytesPerSecond: Math.round(bytesPerSecond), etaMs };
    this.tail = this.tail.then(() => this.opts.report(sample)).catch(() => {});
  }
}
