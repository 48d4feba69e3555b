import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import type { Logger } from "@lantern/shared/logging";
import type { ComputePool } from "@lantern/shared/contracts";

export type GpuSetting = "auto" | ComputePool;

export interface LoadedLlama {
  llama: Llama;
  pool: ComputePool;
}

/**
 * One Llama per process. `build: "never"` means only the prebuilt binaries that came with the
 * npm install are used: a worker never downloads or compiles at run time.
 */
export async function loadLlama(gpu: GpuSetting, logger: Logger): Promise<LoadedLlama> {
  const llama = await getLlama({
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
  const pool: ComputePool = llama.gpu === false ? "cpu" : llama.gpu;
  return { llama, pool };
}
