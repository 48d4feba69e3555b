import {
  toModelToken,
  type MemoryFit,
  type ModelLoadTrigger,
  type ModelSpec,
  type ModelUnloadReason,
  type ServedModel as ModelStatus,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ModelEventPublisher } from "../events/model-event-publisher.js";
import { isIdle, modelStatus, resolveSpec, type HostedModel, type ModelDefaults, type ResolvedSpec } from "./hosted-model.js";
import type { JobArrivals } from "./job-arrivals.js";
import { bringUp, errorMessage, estimateSpec, type BringUpDeps } from "./model-bring-up.js";
import { fitShortfalls } from "./memory-fit.js";
import { ModelLoadError } from "./model-load-error.js";
import { releaseModel } from "./model-release.js";
import type { ServedModel } from "./served-model.js";

interface ModelHostOptions extends BringUpDeps {
  defaults: ModelDefaults;
  /** Contexts for a model whose spec and defaults leave it to the backend. */
  contextsFor(slots: number): number;
  unloadGraceMs: number;
  arrivals: JobArrivals;
  events: ModelEventPublisher;
  /** Called after every state change, so the heartbeat can tell the fleet at once. */
  onChange(): void;
  /** Told how long each successful load took. */
  onLoaded?(model: string, loadMs: number): void;
  logger: Logger;
}

const IDLE_CHECK_MS = 250;

/**
 * The models of one worker: loads each after checking that it fits, serves it, unloads it on
 * command or after idling (keeping it listed, to load again when a job comes), and says what
 * happened in the heartbeat, the log and `events.model.*`. Operations run one at a time, so a
 * memory estimate always counts everything loaded, and a failed load leaves the others serving.
 */
export class ModelHost {
  private readonly models = new Map<string, HostedModel>();
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ModelHostOptions) {}

  /** Loads (or reloads) a model; resolves with its status, or rejects with a ModelLoadError. */
  load(spec: ModelSpec, trigger: ModelLoadTrigger): Promise<ModelStatus> {
    return this.exclusive(() => this.loadNow(resolveSpec(spec, this.opts.defaults, this.opts.contextsFor), trigger));
  }

  /** Stops serving a model, waits for its jobs (cancelling them after the grace period), frees it and forgets it. */
  unload(name: string, graceMs = this.opts.unloadGraceMs): Promise<ModelStatus> {
    return this.exclusive(async () => {
      const hosted = this.models.get(name);
      if (!hosted) throw new ModelLoadError("unknown_model", `No model '${name}' is on this worker.`);
      if (hosted.running) await this.release(hosted, "command", graceMs);
      hosted.stopWatching?.();
      this.models.delete(name);
      this.opts.onChange();
      return { ...modelStatus(hosted), state: "unloaded", freeSlots: 0 };
    });
  }

  /**
   * What loading `spec` would take here and every limit it would break, as a load would estimate
   * it (a model of the same name already loaded is not counted: a reload replaces it).
   */
  estimate(spec: ModelSpec): Promise<{ fit: MemoryFit; shortfalls: string[] }> {
    return this.exclusive(async () => {
      const resolved = resolveSpec(spec, this.opts.defaults, this.opts.contextsFor);
      const same = this.models.get(spec.name);
      const sameBytes = same?.running && same.fit ? same.fit.needed.ramBytes + same.fit.needed.vramBytes : 0;
      const { fit } = await estimateSpec(resolved, this.opts, this.usedBytes() - sameBytes);
      return { fit, shortfalls: fitShortfalls(fit) };
    });
  }

  /** Every model of this worker as the heartbeat shows it. */
  snapshot(): ModelStatus[] {
    return [...this.models.values()].map(modelStatus);
  }

  /** The models loaded right now. */
  loadedModels(): ServedModel[] {
    return [...this.models.values()].flatMap((h) => (h.running ? [h.running.served] : []));
  }

  startIdleWatch(): void {
    this.idleTimer = setInterval(() => this.unloadIdle(), IDLE_CHECK_MS);
    this.idleTimer.unref();
  }

  /** Shutdown: no new loads; every model stops serving (jobs get `graceMs`, then are cancelled) and is freed. */
  async stop(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.idleTimer);
    await this.exclusive(async () => {
      const hosted = [...this.models.values()];
      for (const h of hosted) h.stopWatching?.();
      await Promise.all(hosted.filter((h) => h.running).map((h) => this.release(h, "shutdown", graceMs)));
    });
  }

  /** Runs model operations one at a time, in order. */
  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Bytes this worker's models take under the memory limit, by their own estimates. */
  private usedBytes(): number {
    let used = 0;
    for (const h of this.models.values()) {
      if (h.running && h.fit) used += h.fit.needed.ramBytes + h.fit.needed.vramBytes;
    }
    return used;
  }

  private async loadNow(spec: ResolvedSpec, trigger: ModelLoadTrigger): Promise<ModelStatus> {
    const log = this.opts.logger.child({ model: spec.name });
    if (this.closing) throw new ModelLoadError("shutting_down", "The worker is shutting down.");
    const existing = this.models.get(spec.name);
    if (existing?.running) {
      if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return modelStatus(existing);
      throw new ModelLoadError("already_loaded", `Model '${spec.name}' is already loaded with other settings; unload it first.`);
    }
    existing?.stopWatching?.();
    const hosted: HostedModel = { spec, token: toModelToken(spec.name), state: "loading" };
    this.models.set(spec.name, hosted);
    this.opts.onChange();
    const startedAt = performance.now();
    const base = { model: spec.name, token: hosted.token, file: spec.file };
    try {
      const running = await bringUp(hosted, this.opts, this.usedBytes());
      hosted.running = running;
      hosted.state = "loaded";
      const loadMs = performance.now() - startedAt;
      this.opts.onLoaded?.(spec.name, loadMs);
      log.info({ trigger, file: spec.file, slots: spec.slots, contexts: running.served.contexts.length, contextSize: running.served.contextSize, gpuLayers: hosted.fit!.gpuLayers, memory: hosted.fit!.needed, loadMs }, "model loaded");
      await this.opts.events.publish({ ...base, type: "model.loaded", trigger, fit: hosted.fit!, loadMs });
      this.opts.onChange();
      return modelStatus(hosted);
    } catch (err) {
      const error = err instanceof ModelLoadError ? err : new ModelLoadError("load_failed", `Model '${spec.name}' failed to load: ${errorMessage(err)}`, undefined, { cause: err });
      hosted.state = "failed";
      hosted.reason = error.message;
      hosted.fit = error.fit ?? hosted.fit;
      log.error({ trigger, code: error.code, fit: hosted.fit, err: error.cause }, error.message);
      await this.opts.events.publish({
        ...base,
        type: "model.load_failed",
        trigger,
        code: error.code,
        reason: error.message,
        ...(hosted.fit ? { fit: hosted.fit } : {}),
        durationMs: performance.now() - startedAt,
      });
      this.opts.onChange();
      throw error;
    }
  }

  private release(hosted: HostedModel, reason: ModelUnloadReason, graceMs: number): Promise<void> {
    return releaseModel(hosted, reason, graceMs, this.opts);
  }

  private unloadIdle(): void {
    if (this.closing) return;
    for (const hosted of this.models.values()) {
      if (hosted.queued || !isIdle(hosted, Date.now())) continue;
      hosted.queued = true;
      void this.exclusive(async () => {
        hosted.queued = false;
        if (this.closing || this.models.get(hosted.spec.name) !== hosted || !isIdle(hosted, Date.now())) return;
        // Watch before stopping, so a job that comes while the model goes is not missed.
        hosted.stopWatching = this.opts.arrivals.watch(hosted.token, () => this.onJobArrival(hosted));
        await this.release(hosted, "idle", this.opts.unloadGraceMs);
        const waiting = await this.opts.arrivals.waiting(hosted.token).catch(() => false);
        if (hosted.wanted || waiting) this.onJobArrival(hosted);
      }).catch((err: unknown) => this.opts.logger.error({ err, model: hosted.spec.name }, "idle unload failed"));
    }
  }

  /** A job came for a model unloaded for idling: load it again; the job waits in the queue meanwhile. */
  private onJobArrival(hosted: HostedModel): void {
    if (this.closing || this.models.get(hosted.spec.name) !== hosted) return;
    if (hosted.state === "unloading") {
      hosted.wanted = true;
      return;
    }
    if (hosted.state !== "unloaded" || hosted.queued) return;
    hosted.queued = true;
    this.opts.logger.info({ model: hosted.spec.name }, "job for an idle-unloaded model; loading it again");
    void this.exclusive(async () => {
      hosted.queued = false;
      if (this.closing || this.models.get(hosted.spec.name) !== hosted || hosted.state !== "unloaded") return;
      await this.loadNow(hosted.spec, "demand");
    }).catch(() => {
      // loadNow logged the failure and marked the model failed.
    });
  }
}
