import { InsufficientMemoryError, type Llama } from "node-llama-cpp";
import {
  toModelToken,
  type ComputePool,
  type GpuLayers,
  type MemoryFit,
  type ModelLoadTrigger,
  type ModelSpec,
  type ModelToken,
  type ModelUnloadReason,
  type ServedModel as ModelStatus,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ModelEventPublisher } from "../events/model-event-publisher.js";
import type { CancelRegistry } from "../queue/cancel-registry.js";
import type { ModelServing } from "../queue/serve-model.js";
import type { JobArrivals } from "./job-arrivals.js";
import { describeLayout, estimateFit, fitShortfalls } from "./memory-fit.js";
import { ModelLoadError } from "./model-load-error.js";
import type { ModelFiles } from "./model-files.js";
import { CHAT_WRAPPER_NAMES, isChatWrapperName, type ChatWrapperName } from "./chat-wrapper.js";
import { evaluationSettings, modelHeadSize, type EvaluationPolicy } from "./context-layout.js";
import { loadServedModel, type ServedModel } from "./served-model.js";

/** What a model spec leaves out. */
export interface ModelDefaults {
  slots: number;
  contextSize: number;
  /** 0: by backend (see defaultContexts). */
  contexts: number;
  gpuLayers: GpuLayers;
  idleUnloadMs: number;
  chatWrapper: ChatWrapperName;
}

export interface ModelHostOptions {
  llama: Llama;
  pool: ComputePool;
  /** Finds (or copies in from the object store) each model's file. */
  files: ModelFiles;
  threads: number;
  /** The worker's flash attention and batch size settings (each model's resolved by evaluationSettings). */
  evaluation: EvaluationPolicy;
  defaults: ModelDefaults;
  /** Contexts for a model whose spec and defaults leave it to the backend. */
  contextsFor(slots: number): number;
  memoryLimitBytes: number | null;
  unloadGraceMs: number;
  /** A fresh cancel registry for one loaded model, listening already. */
  newCancels(): CancelRegistry;
  serve(served: ServedModel, cancels: CancelRegistry): Promise<ModelServing>;
  arrivals: JobArrivals;
  events: ModelEventPublisher;
  /** Called after every state change, so the heartbeat can tell the fleet at once. */
  onChange(): void;
  /** Told how long each successful load took. */
  onLoaded?(model: string, loadMs: number): void;
  logger: Logger;
}

type Resolved = Required<ModelSpec>;
type HostState = "loading" | "loaded" | "unloading" | "unloaded" | "failed";

interface Running {
  served: ServedModel;
  serving: ModelServing;
  cancels: CancelRegistry;
}

interface Hosted {
  spec: Resolved;
  token: ModelToken;
  state: HostState;
  running?: Running;
  fit?: MemoryFit;
  reason?: string;
  /** Stops watching for jobs; set while the model is (being) unloaded for idling. */
  stopWatching?: () => void;
  /** A job arrived while the model was being unloaded: load it again straight after. */
  wanted?: boolean;
  /** An idle unload or a reload is queued; don't queue another. */
  queued?: boolean;
}

const IDLE_CHECK_MS = 250;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The models of one worker: loads each after checking that it fits, serves it, unloads it on
 * command or after idling (keeping it listed, to load again when a job comes), and says what
 * happened in the heartbeat, the log and `events.model.*`. Operations run one at a time, so a
 * memory estimate always counts everything loaded, and a failed load leaves the others serving.
 */
export class ModelHost {
  private readonly models = new Map<string, Hosted>();
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ModelHostOptions) {}

  /** Loads (or reloads) a model; resolves with its status, or rejects with a ModelLoadError. */
  load(spec: ModelSpec, trigger: ModelLoadTrigger): Promise<ModelStatus> {
    return this.exclusive(() => this.loadNow(this.resolve(spec), trigger));
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
      return { ...this.status(hosted), state: "unloaded", freeSlots: 0 };
    });
  }

  /** Every model of this worker as the heartbeat shows it. */
  snapshot(): ModelStatus[] {
    return [...this.models.values()].map((h) => this.status(h));
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

  private resolve(spec: ModelSpec): Resolved {
    const d = this.opts.defaults;
    const slots = spec.slots ?? d.slots;
    return {
      name: spec.name,
      file: spec.file,
      slots,
      contextSize: spec.contextSize ?? d.contextSize,
      contexts: spec.contexts || d.contexts || this.opts.contextsFor(slots),
      gpuLayers: spec.gpuLayers ?? d.gpuLayers,
      idleUnloadMs: spec.idleUnloadMs ?? d.idleUnloadMs,
      chatWrapper: spec.chatWrapper ?? d.chatWrapper,
    };
  }

  private status(h: Hosted): ModelStatus {
    const state = h.state === "unloading" ? "unloaded" : h.state;
    return {
      name: h.spec.name,
      token: h.token,
      contextSize: h.running?.served.contextSize ?? h.fit?.contextSize ?? h.spec.contextSize,
      slots: h.spec.slots,
      freeSlots: h.state === "loaded" && h.running ? h.running.serving.freeSlots : 0,
      state,
      contexts: h.running?.served.contexts.length ?? h.fit?.contexts ?? h.spec.contexts,
      ...(h.fit ? { gpuLayers: h.fit.gpuLayers, memory: h.fit.needed } : {}),
      idleUnloadMs: h.spec.idleUnloadMs,
      ...(h.state === "failed" && h.reason ? { reason: h.reason } : {}),
    };
  }

  /** Bytes this worker's models take under the memory limit, by their own estimates. */
  private usedBytes(): number {
    let used = 0;
    for (const h of this.models.values()) {
      if (h.running && h.fit) used += h.fit.needed.ramBytes + h.fit.needed.vramBytes;
    }
    return used;
  }

  private async loadNow(spec: Resolved, trigger: ModelLoadTrigger): Promise<ModelStatus> {
    const log = this.opts.logger.child({ model: spec.name });
    if (this.closing) throw new ModelLoadError("shutting_down", "The worker is shutting down.");
    const existing = this.models.get(spec.name);
    if (existing?.running) {
      if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return this.status(existing);
      throw new ModelLoadError("already_loaded", `Model '${spec.name}' is already loaded with other settings; unload it first.`);
    }
    existing?.stopWatching?.();
    const hosted: Hosted = { spec, token: toModelToken(spec.name), state: "loading" };
    this.models.set(spec.name, hosted);
    this.opts.onChange();
    const startedAt = performance.now();
    const base = { model: spec.name, token: hosted.token, file: spec.file };
    try {
      const running = await this.bringUp(hosted);
      hosted.running = running;
      hosted.state = "loaded";
      const loadMs = performance.now() - startedAt;
      this.opts.onLoaded?.(spec.name, loadMs);
      log.info({ trigger, file: spec.file, slots: spec.slots, contexts: running.served.contexts.length, contextSize: running.served.contextSize, gpuLayers: hosted.fit!.gpuLayers, memory: hosted.fit!.needed, loadMs }, "model loaded");
      await this.opts.events.publish({ ...base, type: "model.loaded", trigger, fit: hosted.fit!, loadMs });
      this.opts.onChange();
      return this.status(hosted);
    } catch (err) {
      const error = err instanceof ModelLoadError ? err : new ModelLoadError("load_failed", `Model '${spec.name}' failed to load: ${message(err)}`, undefined, { cause: err });
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

  /** Path check, memory fit, load, serve: each step's failure is a ModelLoadError with its reason. */
  private async bringUp(hosted: Hosted): Promise<Running> {
    const { spec } = hosted;
    const { llama, pool } = this.opts;
    if (!isChatWrapperName(spec.chatWrapper)) {
      throw new ModelLoadError("load_failed", `Unknown chat template '${spec.chatWrapper}' for '${spec.name}' (known: ${CHAT_WRAPPER_NAMES.join(", ")}).`);
    }
    const chatWrapper = spec.chatWrapper;
    const modelPath = await this.opts.files.locate(spec.file);
    const evaluation = evaluationSettings(pool, this.opts.evaluation, await modelHeadSize(modelPath));
    const fit = await estimateFit({
      llama,
      pool,
      modelPath,
      contextSize: spec.contextSize,
      slots: spec.slots,
      contexts: spec.contexts,
      gpuLayers: spec.gpuLayers,
      capBytes: this.opts.memoryLimitBytes,
      usedByWorkerBytes: this.usedBytes(),
      evaluation,
    });
    hosted.fit = fit;
    const shortfalls = fitShortfalls(fit);
    if (shortfalls.length > 0) {
      throw new ModelLoadError(
        "insufficient_memory",
        `Model '${spec.name}' (${spec.file}: ${describeLayout(fit)}) does not fit: ${shortfalls.join("; ")}.`,
        fit,
      );
    }
    let served: ServedModel;
    try {
      served = await loadServedModel({
        llama,
        name: spec.name,
        modelPath,
        slots: spec.slots,
        contexts: spec.contexts,
        threads: this.opts.threads,
        evaluation,
        contextSize: spec.contextSize,
        gpuLayers: fit.gpuLayers,
        chatWrapper,
      });
    } catch (err) {
      const code = err instanceof InsufficientMemoryError ? "insufficient_memory" : "load_failed";
      throw new ModelLoadError(code, `Model '${spec.name}' (${spec.file}) failed to load: ${message(err)}`, fit, { cause: err });
    }
    const cancels = this.opts.newCancels();
    try {
      return { served, serving: await this.opts.serve(served, cancels), cancels };
    } catch (err) {
      await cancels.stop();
      await served.dispose();
      throw new ModelLoadError("load_failed", `Model '${spec.name}' loaded but could not take jobs: ${message(err)}`, fit, { cause: err });
    }
  }

  /** Stops serving and frees the model; its jobs get `graceMs` to finish, then are cancelled. */
  private async release(hosted: Hosted, reason: ModelUnloadReason, graceMs: number): Promise<void> {
    const { served, serving, cancels } = hosted.running!;
    const log = this.opts.logger.child({ model: hosted.spec.name });
    hosted.state = "unloading";
    this.opts.onChange();
    const startedAt = performance.now();
    const stopped = serving.stop();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), graceMs)));
    let cancelledJobs = 0;
    if ((await Promise.race([stopped, grace])) === "timeout") {
      cancelledJobs = serving.slots - serving.freeSlots;
      log.warn({ reason, graceMs, cancelledJobs }, "grace period over; cancelling the model's running jobs");
    }
    clearTimeout(timer);
    // Aborts whatever still runs (nothing, unless the grace ran out), then stops listening.
    await cancels.stop();
    await stopped;
    await served.dispose();
    hosted.running = undefined;
    hosted.state = "unloaded";
    const unloadMs = performance.now() - startedAt;
    log.info({ reason, cancelledJobs, unloadMs }, "model unloaded");
    await this.opts.events.publish({
      type: "model.unloaded",
      model: hosted.spec.name,
      token: hosted.token,
      file: hosted.spec.file,
      reason,
      cancelledJobs,
      unloadMs,
    });
    this.opts.onChange();
  }

  private isIdle(h: Hosted, now: number): boolean {
    const serving = h.running?.serving;
    return (
      h.state === "loaded" &&
      h.spec.idleUnloadMs > 0 &&
      serving !== undefined &&
      serving.freeSlots === serving.slots &&
      now - serving.lastActiveAt >= h.spec.idleUnloadMs
    );
  }

  private unloadIdle(): void {
    if (this.closing) return;
    for (const hosted of this.models.values()) {
      if (hosted.queued || !this.isIdle(hosted, Date.now())) continue;
      hosted.queued = true;
      void this.exclusive(async () => {
        hosted.queued = false;
        if (this.closing || this.models.get(hosted.spec.name) !== hosted || !this.isIdle(hosted, Date.now())) return;
        // Watch before stopping, so a job that comes while the model goes is not missed.
        hosted.stopWatching = this.opts.arrivals.watch(hosted.token, () => this.onJobArrival(hosted));
        await this.release(hosted, "idle", this.opts.unloadGraceMs);
        const waiting = await this.opts.arrivals.waiting(hosted.token).catch(() => false);
        if (hosted.wanted || waiting) this.onJobArrival(hosted);
      }).catch((err: unknown) => this.opts.logger.error({ err, model: hosted.spec.name }, "idle unload failed"));
    }
  }

  /** A job came for a model unloaded for idling: load it again; the job waits in the queue meanwhile. */
  private onJobArrival(hosted: Hosted): void {
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
