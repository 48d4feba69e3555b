import cluster, { type Worker } from "node:cluster";
import type { Logger } from "@lantern/shared/logging";
import { serveMetricsToProcesses } from "./shared-metrics.js";

interface GatewayProcessesOptions {
  /** How many gateway processes share the port. */
  count: number;
  logger: Logger;
  /** How long stopping waits for the processes to finish their requests before killing them. */
  stopTimeoutMs?: number;
  /** Called when a process dies before the gateway has started: it cannot start. */
  onStartFailed: (reason: Error) => void;
}

/** A replacement for a process that died waits this long at first, twice as long after each quick death. */
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A process that served this long before dying counts as healthy: the next replacement starts at once. */
const HEALTHY_RUN_MS = 60_000;

interface Slot {
  index: number;
  worker: Worker;
  startedAt: number;
  listening: boolean;
  restartDelayMs: number;
}

/**
 * The primary process under GATEWAY_PROCESSES > 1 (Node's cluster module): starts that many
 * gateway processes, which share the port (the primary hands out connections in turn) and are
 * each a whole gateway with its own NATS connection, like replicas on other hosts; key limits are
 * shared through NATS either way. Once all have listened, a process that dies is replaced; one that
 * dies before that (a bad port, NATS unreachable) fails the whole start, as a single gateway
 * process would. Serves `/metrics` of all processes added up. A process whose primary is
 * gone exits at once (Node's cluster module does that), so none outlives it.
 */
export class GatewayProcesses {
  private readonly slots = new Map<number, Slot>();
  private stopping = false;
  /** Set once every process of the first start listened: later deaths are replaced, never fatal. */
  private started = false;

  private constructor(private readonly opts: GatewayProcessesOptions) {}

  static start(opts: GatewayProcessesOptions): GatewayProcesses {
    if (!cluster.isPrimary) throw new Error("gateway processes are started from the primary process only");
    const processes = new GatewayProcesses(opts);
    serveMetricsToProcesses();
    cluster.on("listening", (worker) => processes.onListening(worker));
    cluster.on("exit", (worker, code, signal) => processes.onExit(worker, code, signal));
    for (let index = 0; index < opts.count; index++) processes.fork(index, FIRST_RESTART_DELAY_MS);
    return processes;
  }

  private fork(index: number, restartDelayMs: number): void {
    const worker = cluster.fork();
    this.slots.set(worker.id, { index, worker, startedAt: Date.now(), listening: false, restartDelayMs });
    this.opts.logger.info({ index, pid: worker.process.pid }, "gateway process started");
  }

  private onListening(worker: Worker): void {
    const slot = this.slots.get(worker.id);
    if (slot) slot.listening = true;
    if (!this.started && [...this.slots.values()].every((s) => s.listening)) this.started = true;
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.slots.get(worker.id);
    if (!slot) return;
    this.slots.delete(worker.id);
    if (this.stopping) return;
    const { index } = slot;
    if (!this.started) {
      this.opts.onStartFailed(new Error(`gateway process ${index} exited before the gateway started (code ${code}, signal ${signal})`));
      return;
    }
    // A replacement that cannot start (NATS down for a while) is tried again, ever more slowly.
    const healthy = slot.listening && Date.now() - slot.startedAt >= HEALTHY_RUN_MS;
    const delayMs = healthy ? 0 : slot.restartDelayMs;
    this.opts.logger.error({ index, pid: worker.process.pid, code, signal, restartInMs: delayMs }, "gateway process died; starting another");
    setTimeout(() => {
      if (!this.stopping) this.fork(index, healthy ? FIRST_RESTART_DELAY_MS : Math.min(delayMs * 2, MAX_RESTART_DELAY_MS));
    }, delayMs);
  }

  /** Asks every process to stop (each finishes its open requests), and kills those still running after the timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = [...this.slots.values()].map((slot) => slot.worker);
    const timeoutMs = this.opts.stopTimeoutMs ?? 30_000;
    await Promise.all(
      running.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill("SIGKILL"), timeoutMs);
            worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            worker.process.kill("SIGTERM");
          }),
      ),
    );
  }
}
