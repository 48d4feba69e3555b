import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { ModelReadiness, PipelineModelStatus, WorkerHeartbeat } from "@lantern/shared/contracts";

/**
 * What a load needs beyond the file: the weights are mapped whole, and each slot's context adds a
 * KV cache; a quarter more covers the contexts a worker gives a model by default.
 */
export const LOAD_MARGIN = 1.25;

interface ModelEntry {
  name: string;
  file: string;
  quantization?: string | undefined;
  required_for_base: boolean;
}

const mb = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;

/** The memory a worker can load a model into: its GPU's on a GPU pool, else its RAM. */
export const freeBytesOf = (beat: WorkerHeartbeat) => (beat.pool !== "cpu" && beat.hardware.vram ? beat.hardware.vram.freeBytes : beat.hardware.ram.freeBytes);

/**
 * Where one model of models.yaml stands: served by live workers, or loadable (its file on disk and
 * a live worker with the memory free), or why not, with the numbers.
 */
export async function modelStatus(model: ModelEntry, modelsDirectory: string, beats: WorkerHeartbeat[], usedBy: string[]): Promise<PipelineModelStatus> {
  const path = isAbsolute(model.file) ? model.file : join(modelsDirectory, model.file);
  const sizeBytes = await stat(path).then(
    (s) => s.size,
    () => null,
  );
  const servedBy = beats.flatMap((beat) =>
    beat.models
      .filter((m) => m.name === model.name && m.state !== "failed")
      .map((m) => ({ workerId: beat.workerId, host: beat.host, pool: beat.pool, state: m.state ?? "loaded" })),
  );
  const best = beats.reduce<WorkerHeartbeat | undefined>((top, beat) => (!top || freeBytesOf(beat) > freeBytesOf(top) ? beat : top), undefined);
  const neededBytes = sizeBytes === null ? null : Math.ceil(sizeBytes * LOAD_MARGIN);
  const bestFreeBytes = best ? freeBytesOf(best) : null;
  const { readiness, detail } = judge({ name: model.name, file: model.file, path, servedBy, neededBytes, best, bestFreeBytes });
  return {
    name: model.name,
    file: model.file,
    path,
    onDisk: sizeBytes !== null,
    sizeBytes,
    quantization: model.quantization ?? null,
    requiredForBase: model.required_for_base,
    usedBy,
    servedBy,
    readiness,
    neededBytes,
    bestFreeBytes,
    bestWorkerId: best?.workerId ?? null,
    detail,
  };
}

interface Facts {
  name: string;
  file: string;
  path: string;
  servedBy: PipelineModelStatus["servedBy"];
  neededBytes: number | null;
  best: WorkerHeartbeat | undefined;
  bestFreeBytes: number | null;
}

function judge(f: Facts): { readiness: ModelReadiness; detail: string } {
  if (f.servedBy.length > 0) return { readiness: "served", detail: `served by ${f.servedBy.map((w) => w.workerId).join(", ")}` };
  if (f.neededBytes === null) {
    return {
      readiness: "missing_file",
      detail: `not served by any live worker and its file ${f.path} does not exist: start a worker with INFERENCE_MODELS=${f.name}=<file>, or fix '${f.name}' in models.yaml`,
    };
  }
  if (!f.best || f.bestFreeBytes === null) {
    return { readiness: "no_worker", detail: `not served, and no live worker could load it: start one with INFERENCE_MODELS=${f.name}=${f.file} (it needs about ${mb(f.neededBytes)})` };
  }
  if (f.bestFreeBytes >= f.neededBytes) {
    return { readiness: "loadable", detail: `not served; needs about ${mb(f.neededBytes)}, ${f.best.workerId} has ${mb(f.bestFreeBytes)} free to load it` };
  }
  return {
    readiness: "too_large",
    detail: `not served; needs about ${mb(f.neededBytes)} to load, the most free on a live worker is ${mb(f.bestFreeBytes)} (${f.best.workerId})`,
  };
}

/** A model a run can count on: served now, or loadable. */
export const isReady = (status: PipelineModelStatus) => status.readiness === "served" || status.readiness === "loadable";
