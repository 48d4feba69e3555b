import { access } from "node:fs/promises";
import { join } from "node:path";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, WORKER_HEARTBEAT_TTL_MS, WorkerHeartbeat, type NatsNames } from "@lantern/shared/contracts";
import { storedEntries } from "@lantern/shared/nats";
import type { ResolvedPipeline } from "./resolved-pipeline.js";

/** The models live workers serve now, from their heartbeats in KV `workers`. */
export class FleetModels {
  private bucket: Promise<KV> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
  ) {}

  async served(): Promise<Set<string>> {
    const served = new Set<string>();
    for (const beat of await this.heartbeats()) for (const m of beat.models) if (m.state !== "failed") served.add(m.name);
    return served;
  }

  /** The live workers' latest heartbeats. */
  async heartbeats(): Promise<WorkerHeartbeat[]> {
    const beats: WorkerHeartbeat[] = [];
    try {
      this.bucket ??= new Kvm(this.nc).open(this.names.buckets.workers);
      const kv = await this.bucket;
      for (const entry of await storedEntries(this.nc, kv, this.names.buckets.workers)) {
        if (Date.now() - entry.created.getTime() > WORKER_HEARTBEAT_TTL_MS) continue;
        try {
          beats.push(decodeMessage(WorkerHeartbeat, entry.value));
        } catch {
          // An unreadable heartbeat serves nothing.
        }
      }
    } catch {
      // No worker ever started: the bucket does not exist yet.
      this.bucket = undefined;
    }
    return beats;
  }
}

/**
 * Why the pipeline cannot start: each model it needs must be served by a live worker or have its
 * file on disk (a worker can then be started with it). Empty when it can.
 */
export async function missingModels(pipeline: ResolvedPipeline, fleet: FleetModels): Promise<string[]> {
  const served = await fleet.served();
  const problems: string[] = [];
  for (const [name, { file }] of Object.entries(pipeline.models)) {
    if (served.has(name)) continue;
    const path = join(pipeline.modelsDirectory, file);
    const onDisk = await access(path).then(
      () => true,
      () => false,
    );
    if (!onDisk) {
      problems.push(
        `model '${name}' is not served by any live worker and its file ${path} does not exist: start a worker with INFERENCE_MODELS=${name}=<file>, or fix '${name}' in models.yaml`,
      );
    }
  }
  return problems;
}
