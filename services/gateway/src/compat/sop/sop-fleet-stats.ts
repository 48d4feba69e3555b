import { freemem, totalmem } from "node:os";
import { statfs } from "node:fs/promises";
import type { WorkerHeartbeat } from "@lantern/shared/contracts";
import type { QueueStats } from "../../jobs/queue-monitor.js";
import { toMb } from "./sop-model-info.js";

const round1 = (n: number) => Math.round(n * 10) / 10;
const usage = (total: number, free: number) => ({ total_mb: toMb(total), used_mb: toMb(total - free), free_mb: toMb(free), used_percent: total > 0 ? round1(((total - free) / total) * 100) : 0 });

/**
 * The executor's GPU stats (`/monitor/gpu`, `gpu_stats` events) from the workers' heartbeats: VRAM
 * summed over the GPU workers (RAM when only CPU workers run), and each worker's own figures.
 */
export function sopGpuStats(workers: WorkerHeartbeat[]) {
  const gpus = workers.filter((w) => w.hardware.vram);
  const memory = gpus.length > 0 ? gpus.map((w) => w.hardware.vram!) : workers.map((w) => w.hardware.ram);
  const total = memory.reduce((sum, m) => sum + m.totalBytes, 0);
  const free = memory.reduce((sum, m) => sum + m.freeBytes, 0);
  const busy = workers.some((w) => w.models.some((m) => m.freeSlots < m.slots));
  return {
    gpu_info: { name: gpus.flatMap((w) => w.hardware.devices).join(", ") || "cpu", driver_version: null, cuda_version: null, pools: [...new Set(workers.map((w) => w.pool))] },
    vram_usage: usage(total, free),
    is_locked: busy,
    current_task_id: null,
    workers: workers.map((w) => ({
      worker_id: w.workerId,
      host: w.host,
      pool: w.pool,
      devices: w.hardware.devices,
      vram_usage: w.hardware.vram ? usage(w.hardware.vram.totalBytes, w.hardware.vram.freeBytes) : null,
      ram_usage: usage(w.hardware.ram.totalBytes, w.hardware.ram.freeBytes),
      models: w.models.map((m) => ({ name: m.name, state: m.state ?? "loaded", slots: m.slots, free_slots: m.freeSlots })),
    })),
  };
}

/** `/monitor/queue`: jobs waiting for a worker slot (every model, every priority). */
export function sopQueueStats(queues: QueueStats[], recentLogs: number) {
  const waiting = (q: QueueStats) => q.waiting.high + q.waiting.normal + q.waiting.low;
  return {
    queue_size: queues.reduce((sum, q) => sum + waiting(q), 0),
    processing_task: null,
    recent_logs_count: recentLogs,
    queues: queues.map((q) => ({ model: q.model, waiting: q.waiting, oldest_wait_ms: q.oldestWaitMs })),
  };
}

async function resources() {
  const disk = await statfs(process.cwd()).catch(() => null);
  const diskTotal = disk ? disk.blocks * disk.bsize : 0;
  const diskFree = disk ? disk.bavail * disk.bsize : 0;
  const GB = 1024 ** 3;
  return {
    disk_usage_percent: diskTotal > 0 ? round1(((diskTotal - diskFree) / diskTotal) * 100) : 0,
    disk_free_gb: round1(diskFree / GB),
    memory_usage_percent: round1(((totalmem() - freemem()) / totalmem()) * 100),
    memory_available_gb: round1(freemem() / GB),
  };
}

/** `/monitor/health`: NATS and the workers are the components; healthy with both, degraded without workers. */
export async function sopHealth(input: { natsConnected: boolean; workers: WorkerHeartbeat[]; version: string; startedAt: number }) {
  const { natsConnected, workers } = input;
  const status = !natsConnected ? "unhealthy" : workers.length === 0 ? "degraded" : "healthy";
  return {
    status,
    version: input.version,
    uptime_seconds: round1((Date.now() - input.startedAt) / 1000),
    timestamp: new Date().toISOString(),
    components: {
      nats: { status: natsConnected ? "up" : "down", message: null, response_time_ms: null },
      workers: { status: workers.length > 0 ? "up" : "down", message: `${workers.length} live worker(s)`, response_time_ms: null },
    },
    resources: await resources(),
    gpu: workers.some((w) => w.hardware.vram) ? sopGpuStats(workers).vram_usage : null,
  };
}
