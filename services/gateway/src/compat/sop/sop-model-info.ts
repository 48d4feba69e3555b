import type { ServedModel, WorkerHeartbeat } from "@lantern/shared/contracts";

const MIB = 1024 * 1024;
export const toMb = (bytes: number) => Math.round(bytes / MIB);

/** Where a model is, as the executor's `extra` shows it: one entry per live worker listing it. */
const placementOf = (worker: WorkerHeartbeat, model: ServedModel) => ({
  worker_id: worker.workerId,
  host: worker.host,
  pool: worker.pool,
  state: model.state ?? "loaded",
  slots: model.slots,
  free_slots: model.freeSlots,
  context_size: model.contextSize,
  ram_mb: model.memory ? toMb(model.memory.ramBytes) : null,
  vram_mb: model.memory ? toMb(model.memory.vramBytes) : null,
});

/**
 * The executor's `ModelInfo` of a model the fleet serves: every Lantern model is a local GGUF model
 * that streams and takes JSON schemas and grammars; `loaded` when a live worker holds it in memory.
 */
export function sopModelInfo(name: string, workers: WorkerHeartbeat[]) {
  const placements = workers.flatMap((w) => w.models.filter((m) => m.name === name).map((m) => placementOf(w, m)));
  const contextWindow = Math.max(0, ...placements.map((p) => p.context_size));
  return {
    name,
    provider: "local",
    context_window: contextWindow,
    max_output_tokens: contextWindow,
    supports_streaming: true,
    supports_structured_output: true,
    loaded: placements.some((p) => p.state === "loaded"),
    extra: { workers: placements },
  };
}

/** Every model a live worker lists, by name. */
export function fleetModelNames(workers: WorkerHeartbeat[]): string[] {
  return [...new Set(workers.flatMap((w) => w.models.map((m) => m.name)))].sort((a, b) => a.localeCompare(b));
}
