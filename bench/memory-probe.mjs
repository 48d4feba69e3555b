// Preloaded into every Node.js process of a stack the footprint benchmark starts (NODE_OPTIONS
// --import): on SIGUSR2 the process writes what it holds (V8 heap, external memory, which holds
// PGlite's WebAssembly memory, array buffers) to $LANTERN_MEMORY_PROBE_DIR/<pid>.json.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.LANTERN_MEMORY_PROBE_DIR;
if (dir) {
  process.on("SIGUSR2", () => {
    const usage = process.memoryUsage();
    const figures = { heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(figures));
  });
}
