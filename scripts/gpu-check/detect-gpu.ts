import { getLlama } from "node-llama-cpp";

export interface GpuProbe {
  /** The backend node-llama-cpp picked, or false on a machine without a usable GPU. */
  backend: "cuda" | "vulkan" | "metal" | false;
  devices: string[];
  vramBytes: number;
}

/**
 * What the worker's own detection (INFERENCE_GPU=auto) finds: node-llama-cpp's prebuilt binaries
 * tried CUDA, then Vulkan, then Metal. Never builds or downloads anything.
 */
export async function detectGpu(): Promise<GpuProbe> {
  const llama = await getLlama({ gpu: "auto", build: "never", progressLogs: false, logLevel: "error" as never });
  try {
    if (!llama.gpu) return { backend: false, devices: [], vramBytes: 0 };
    const [devices, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    return { backend: llama.gpu, devices, vramBytes: vram.total };
  } finally {
    await llama.dispose();
  }
}
