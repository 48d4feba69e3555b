import { freemem, totalmem } from "node:os";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import type { Logger } from "@lantern/shared/logging";
import type { ComputePool, WorkerHardware } from "@lantern/shared/contracts";

type GpuSetting = "auto" | ComputePool;

export interface LoadedLlama {
  llama: Llama;
  pool: ComputePool;
  devices: string[];
}

const NEEDS: Record<Exclude<ComputePool, "cpu">, string> = {
  cuda: "an NVIDIA GPU with its driver (the CUDA runtime comes with node-llama-cpp's prebuilt binary)",
  vulkan: "a GPU with a Vulkan driver and the Vulkan loader (libvulkan1 on Debian/Ubuntu)",
  metal: "macOS on Apple silicon",
};

/** A backend pinned by INFERENCE_GPU cannot run here; the worker stops rather than fall back. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
  constructor(
    readonly backend: ComputePool,
    reason: string,
  ) {
    super(
      `INFERENCE_GPU=${backend} but the ${backend} backend cannot run on this machine: ${reason}. ` +
        `It needs ${backend === "cpu" ? "nothing more" : NEEDS[backend]}. ` +
        "Set INFERENCE_GPU=auto to use the best backend found, or cpu.",
    );
  }
}

/**
 * One Llama per process. `build: "never"` means only the prebuilt binaries that came with the
 * npm install are used: a worker never downloads or compiles at run time. `auto` is
 * node-llama-cpp's own detection (CUDA, then Vulkan, then Metal, then the CPU); a pinned backend
 * that is not usable is an error, never a silent fall back to the CPU.
 */
export async function loadLlama(gpu: GpuSetting, logger: Logger): Promise<LoadedLlama> {
  let llama: Llama;
  try {
    llama = await getLlama({
      build: "never",
      gpu: gpu === "cpu" ? false : gpu,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (!text) return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.error({ llama: text });
        else logger.debug({ llama: text });
      },
    });
  } catch (err) {
    if (gpu === "auto" || gpu === "cpu") throw err;
    const detail = err instanceof Error && err.message && err.message !== err.name ? err.message : "no compatible prebuilt binary";
    throw new BackendUnavailableError(gpu, `node-llama-cpp found ${detail === "NoBinaryFoundError" ? "no compatible prebuilt binary" : detail}`);
  }
  const pool: ComputePool = llama.gpu === false ? "cpu" : llama.gpu;
  if (gpu !== "auto" && pool !== gpu) {
    await llama.dispose();
    throw new BackendUnavailableError(gpu, `node-llama-cpp loaded the ${pool} backend instead`);
  }
  const devices = pool === "cpu" ? [] : await llama.getGpuDeviceNames();
  return { llama, pool, devices };
}

/** What the worker runs on, with free memory as of now: the heartbeat carries it to the fleet. */
export async function hardwareReport(loaded: LoadedLlama): Promise<WorkerHardware> {
  const ram = { totalBytes: totalmem(), freeBytes: freemem() };
  if (loaded.pool === "cpu") return { devices: [], vram: null, ram };
  const vram = await loaded.llama.getVramState();
  return { devices: loaded.devices, vram: { totalBytes: vram.total, freeBytes: vram.free }, ram };
}
