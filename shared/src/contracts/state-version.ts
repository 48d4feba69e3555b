import { z } from "zod";
import { ComputePool } from "./worker-heartbeat.js";

/**
 * `GET /state/version`, Mentator's health check (seed 002), on the gateway and on each worker's
 * metrics port: answered while the process is up, whatever its models are doing.
 */
export const StateVersion = z.object({
  /** `gateway` or `inference`. */
  service: z.string(),
  /** The service package's version. */
  version: z.string(),
  /** The build the image was made from (`LANTERN_BUILD`), `dev` outside an image. */
  build: z.string(),
  /** The compute backend: a worker's own; on the gateway the best the live fleet has (CUDA first). Null: no live worker. */
  backend: ComputePool.nullable(),
  /** Every backend in use: a worker's one, or the live fleet's. */
  backends: z.array(ComputePool),
  /** Names of the models loaded right now (on the gateway: on any live worker). */
  models: z.array(z.string()),
});
export type StateVersion = z.infer<typeof StateVersion>;

/** Mentator's order of preference: NVIDIA, then the other GPUs, then the CPU. */
const PREFERENCE: readonly ComputePool[] = ["cuda", "metal", "vulkan", "cpu"];

/** A state answer from what is running: backends in order of preference, models sorted, each once. */
export function stateVersionOf(info: { service: string; version: string; build: string; pools: Iterable<ComputePool>; models: Iterable<string> }): StateVersion {
  const pools = new Set(info.pools);
  const backends = PREFERENCE.filter((p) => pools.has(p));
  return { service: info.service, version: info.version, build: info.build, backend: backends[0] ?? null, backends, models: [...new Set(info.models)].sort() };
}
