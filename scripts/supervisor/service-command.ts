/**
 * The command line of each service: from its TypeScript source through tsx (a checkout), or from
 * its bundle under LANTERN_BUILT_DIR (the container image, where there is no tsx).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { SERVICE_ENTRIES } from "./service-entries.mjs";

export type ServiceName = keyof typeof SERVICE_ENTRIES;
export const SERVICES = Object.keys(SERVICE_ENTRIES) as ServiceName[];

/**
 * Node flags for the gateway process: `--expose-gc` lets it collect once when a burst of traffic
 * ends, so its memory comes back down instead of staying at the burst's peak (see
 * services/gateway/src/memory/idle-collection.ts). Its young generation keeps V8's default (16 MiB
 * semi-spaces): 64 held 35-40 MiB more under 64 streaming clients for no CPU or throughput gain on
 * streamed completions, and about 10% more proxied requests per second. `NODE_OPTIONS` can raise it
 * where a gateway mostly proxies (docs/performance.md, Footprint).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--expose-gc"];

/**
 * Node flags for the processes that may hold the embedded database: PGlite's WebAssembly Postgres
 * (9 MB of code) runs on V8's baseline compiler only. Optimizing it took 30-70 MiB more RSS per
 * process for no speed a service's small tables notice (2,000 inserts: 0.8-1.3 s either way).
 */
export const EMBEDDED_DATABASE_NODE_FLAGS: readonly string[] = ["--liftoff-only"];
/**
 * V8's memory-saving heuristics for every process but the gateway (whose flags trade memory for CPU
 * per request): measured idle on `npm start`, the worker 234 -> 178 MiB, admin with the orchestrator
 * 185 -> 152 MiB, with the same tokens/s through the stack (`npm run bench`: 2567 / 2490 at 1 stream,
 * 5622 / 5833 at 8), since a worker's time is spent in llama.cpp, not in JavaScript.
 */
export const SMALL_HEAP_NODE_FLAGS: readonly string[] = ["--optimize-for-size"];
const NODE_FLAGS: Record<ServiceName, readonly string[]> = {
  gateway: GATEWAY_NODE_FLAGS,
  inference: SMALL_HEAP_NODE_FLAGS,
  "model-fetcher": SMALL_HEAP_NODE_FLAGS,
  admin: [...SMALL_HEAP_NODE_FLAGS, ...EMBEDDED_DATABASE_NODE_FLAGS],
  orchestrator: [...SMALL_HEAP_NODE_FLAGS, ...EMBEDDED_DATABASE_NODE_FLAGS],
  // --expose-gc: it collects once a burst of usage events and runs is over (collectWhenIdle), 7 MiB back.
  "admin-orchestrator": ["--expose-gc", ...SMALL_HEAP_NODE_FLAGS, ...EMBEDDED_DATABASE_NODE_FLAGS],
};

export interface CommandContext {
  repoRoot: string;
  /** LANTERN_BUILT_DIR: where `<service>.js` bundles are; unset runs the TypeScript source. */
  builtDir?: string | undefined;
  /** Modules every service imports first (`--import`), e.g. the parent watchdog. */
  preloads?: readonly string[];
  /** Where tsx's loader is; resolved from node_modules when not given (never in built mode). */
  tsxLoader?: string;
}

export interface ServiceCommand {
  command: string;
  args: string[];
  /** The service's entry file: part of its command line, so a recorded pid can be told from a reused one. */
  entry: string;
}

export function serviceCommand(service: ServiceName, ctx: CommandContext): ServiceCommand {
  const nodeFlags = NODE_FLAGS[service];
  const preloads = (ctx.preloads ?? []).flatMap((module) => ["--import", module]);
  if (ctx.builtDir) {
    const entry = join(ctx.builtDir, `${service}.js`);
    return { command: process.execPath, args: [...nodeFlags, "--enable-source-maps", ...preloads, entry], entry };
  }
  const entry = join(ctx.repoRoot, SERVICE_ENTRIES[service]);
  const tsx = ctx.tsxLoader ?? createRequire(import.meta.url).resolve("tsx");
  return { command: process.execPath, args: [...nodeFlags, "--import", tsx, ...preloads, entry], entry };
}
