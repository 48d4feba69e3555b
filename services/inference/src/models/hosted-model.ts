import type { GpuLayers, MemoryFit, ModelSpec, ModelToken, ServedModel as ModelStatus } from "@lantern/shared/contracts";
import type { CancelRegistry } from "../queue/cancel-registry.js";
import type { ModelServing } from "../queue/serve-model.js";
import type { ChatWrapperName } from "./chat-wrapper.js";
import type { ServedModel } from "./served-model.js";

/** What a model spec leaves out. */
export interface ModelDefaults {
  slots: number;
  contextSize: number;
  /** 0: by backend (see defaultContexts). */
  contexts: number;
  gpuLayers: GpuLayers;
  idleUnloadMs: number;
  chatWrapper: ChatWrapperName;
  /** "": none. */
  systemPrompt: string;
}

export type ResolvedSpec = Required<ModelSpec>;
type HostState = "loading" | "loaded" | "unloading" | "unloaded" | "failed";

/** A loaded model taking jobs, and the registry that cancels them. */
export interface RunningModel {
  served: ServedModel;
  serving: ModelServing;
  cancels: CancelRegistry;
}

/** One model of the worker, whatever its state. */
export interface HostedModel {
  spec: ResolvedSpec;
  token: ModelToken;
  state: HostState;
  running?: RunningModel;
  fit?: MemoryFit;
  reason?: string;
  /** Stops watching for jobs; set while the model is (being) unloaded for idling. */
  stopWatching?: () => void;
  /** A job arrived while the model was being unloaded: load it again straight after. */
  wanted?: boolean;
  /** An idle unload or a reload is queued; don't queue another. */
  queued?: boolean;
}

/** The spec with every setting it leaves out taken from the worker's defaults. */
export function resolveSpec(spec: ModelSpec, defaults: ModelDefaults, contextsFor: (slots: number) => number): ResolvedSpec {
  const slots = spec.slots ?? defaults.slots;
  return {
    name: spec.name,
    file: spec.file,
    slots,
    contextSize: spec.contextSize ?? defaults.contextSize,
    contexts: spec.contexts || defaults.contexts || contextsFor(slots),
    gpuLayers: spec.gpuLayers ?? defaults.gpuLayers,
    idleUnloadMs: spec.idleUnloadMs ?? defaults.idleUnloadMs,
    chatWrapper: spec.chatWrapper ?? defaults.chatWrapper,
    systemPrompt: spec.systemPrompt ?? defaults.systemPrompt,
  };
}

/** The model as the heartbeat shows it. */
export function modelStatus(h: HostedModel): ModelStatus {
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

/** Loaded, with an idle time, no job running, and none started or ended for that long. */
export function isIdle(h: HostedModel, now: number): boolean {
  const serving = h.running?.serving;
  return (
    h.state === "loaded" &&
    h.spec.idleUnloadMs > 0 &&
    serving !== undefined &&
    serving.freeSlots === serving.slots &&
    now - serving.lastActiveAt >= h.spec.idleUnloadMs
  );
}
