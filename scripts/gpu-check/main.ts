/**
 * `npm run check:gpu`: on a machine with a GPU, proves the GPU pool end to end — the worker detects
 * the device, loads the bundled model fully offloaded, serves it through gateway + NATS — and prints
 * tokens/s beside the CPU pool on the same machine. Without a GPU it says so and exits 0.
 * `--pool <cuda|vulkan|metal|cpu>` checks that backend instead of the detected one (`cpu`: the CPU
 * pool's run alone, which proves the path on any machine).
 */
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { repoRoot } from "../local-stack.js";
import { detectGpu } from "./detect-gpu.js";
import { runPool, type PoolFigures } from "./pool-run.js";

const CONCURRENCY = 8;
const TOKENS = 256;

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
const fixed = (n: number) => n.toFixed(0);

function row(f: PoolFigures): string {
  return `| ${f.pool} | ${f.devices.join(", ") || "-"} | ${f.gpuLayers ?? "-"} | ${fixed(f.single)} | ${fixed(f.parallel)} | ${f.ttftMs.toFixed(1)} |`;
}

const poolFlag = process.argv.indexOf("--pool");
const requested = poolFlag === -1 ? undefined : process.argv[poolFlag + 1];
if (requested === "cpu") {
  const cpu = await runPool("cpu", { concurrency: CONCURRENCY, tokens: TOKENS });
  console.log(`| pool | devices | GPU layers | tokens/s, 1 stream | tokens/s, ${CONCURRENCY} streams | first token, ms |\n${row(cpu)}`);
  process.exit(0);
}

const probe = requested ? { backend: requested, devices: [] as string[], vramBytes: 0 } : await detectGpu();
if (!probe.backend) {
  console.log("No GPU here: node-llama-cpp's prebuilt CUDA, Vulkan and Metal binaries found no usable device.");
  console.log("Nothing to check; the CPU pool is what this machine runs (npm start uses it).");
  process.exit(0);
}
if (!requested) console.log(`GPU found: ${probe.backend}, ${probe.devices.join(", ")} (${gib(probe.vramBytes)} VRAM).`);

const started = performance.now();
const gpu = await runPool(probe.backend, { concurrency: CONCURRENCY, tokens: TOKENS });
const info = await readGgufFileInfo(join(repoRoot, "models", "stories260K.gguf"), { logWarnings: false });
const blocks = Number((info.architectureMetadata as { block_count?: number }).block_count ?? 0);
if ((gpu.gpuLayers ?? 0) < blocks) {
  console.error(`The ${gpu.pool} worker offloaded ${gpu.gpuLayers ?? 0} of the model's ${blocks} layers: not fully on the GPU.`);
  process.exit(1);
}
console.log(`The ${gpu.pool} worker offloaded ${gpu.gpuLayers} layers (the model has ${blocks} blocks).`);
const cpu = await runPool("cpu", { concurrency: CONCURRENCY, tokens: TOKENS });
console.log(`
Bundled model, ${TOKENS} tokens per stream, through gateway + NATS + worker:
| pool | devices | GPU layers | tokens/s, 1 stream | tokens/s, ${CONCURRENCY} streams | first token, ms |
| --- | --- | ---: | ---: | ---: | ---: |
${row(gpu)}
${row(cpu)}
${gpu.pool} / cpu: ${(gpu.single / cpu.single).toFixed(2)}x at 1 stream, ${(gpu.parallel / cpu.parallel).toFixed(2)}x at ${CONCURRENCY} streams.
Checked in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
