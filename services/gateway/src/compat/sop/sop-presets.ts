import { RequestError } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPresetsReply, ModelPresetsRequest, type ModelPreset, type NatsNames, type WorkerHeartbeat } from "@lantern/shared/contracts";
import { nearNames } from "@lantern/shared/model-files";
import type { NatsConnection } from "@nats-io/transport-node";
import { SopHttpError } from "./sop-errors.js";
import { toMb } from "./sop-model-info.js";

const PRESETS_TIMEOUT_MS = 5_000;

/** The fetchers' catalogue, asked over NATS: the presets a pull can take right now. */
export async function fetchPresets(nc: NatsConnection, names: NatsNames): Promise<ModelPreset[]> {
  try {
    const reply = await nc.request(names.subjects.modelPresets, encodeMessage(ModelPresetsRequest, { v: 1 }), { timeout: PRESETS_TIMEOUT_MS });
    return decodeMessage(ModelPresetsReply, reply.data).presets;
  } catch (err) {
    if (err instanceof RequestError && err.isNoResponders()) throw new SopHttpError(503, "No model fetcher is running, so presets are unavailable. Start one (npm start does).");
    throw err;
  }
}

export function findPreset(presets: ModelPreset[], name: string): ModelPreset {
  const preset = presets.find((p) => p.name === name.toLowerCase());
  if (preset) return preset;
  const near = nearNames(name, presets.map((p) => p.name));
  throw new SopHttpError(404, `Preset '${name}' not found. Local: ${(near.length > 0 ? near : presets.map((p) => p.name)).slice(0, 10).join(", ")}`);
}

/** The quantization a file name says (`...-q4_k_m.gguf` → `q4_k_m`), or `gguf` when it says none. */
export const quantizationOf = (file: string) => /[-._](i?q\d[a-z0-9_]*|f16|fp16|bf16|f32)\.gguf$/i.exec(file)?.[1]?.toLowerCase() ?? "gguf";

/** `LocalPresetInfo`; `size_b` is the download in GB (the catalogue records no parameter counts). */
export function sopPresetInfo(preset: ModelPreset) {
  return {
    name: preset.name,
    huggingface_repo: preset.repo,
    filename: preset.file,
    size_b: Math.round(preset.sizeBytes / 1e7) / 100,
    context_window: preset.contextLength ?? 0,
    vram_requirements: { [quantizationOf(preset.file)]: toMb(preset.sizeBytes) },
  };
}

export function sopPresetList(presets: ModelPreset[]) {
  return { local_models: presets.map(sopPresetInfo), cloud_models: [], embedding_models: [], total_local: presets.length, total_cloud: 0, total_embedding: 0 };
}

/**
 * Whether the preset's weights fit the live worker with the most free memory: its free VRAM, or its
 * free RAM on the CPU pool. The worker's own estimate at load (weights plus KV cache) is the final word.
 */
export function sopCompatibility(preset: ModelPreset, workers: WorkerHeartbeat[]) {
  const required = toMb(preset.sizeBytes);
  const freeOf = (w: WorkerHeartbeat) => (w.hardware.vram ? w.hardware.vram.freeBytes : w.hardware.ram.freeBytes);
  const best = [...workers].sort((a, b) => freeOf(b) - freeOf(a))[0];
  const available = best ? toMb(freeOf(best)) : 0;
  const compatible = best !== undefined && required <= available;
  return {
    compatible,
    required_vram_mb: required,
    available_vram_mb: available,
    recommended_quantization: null,
    warning: compatible ? null : best ? `The model needs ${required} MB, the roomiest worker has ${available} MB free.` : "No live worker.",
    worker_id: best?.workerId ?? null,
    memory: best ? (best.hardware.vram ? "vram" : "ram") : null,
  };
}
