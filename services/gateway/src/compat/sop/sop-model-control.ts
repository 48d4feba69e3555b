import { RequestError, type NatsConnection } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  ModelControlReply,
  ModelControlRequest,
  type ModelSpec,
  type NatsNames,
  type ServedModel,
  type WorkerHeartbeat,
} from "@lantern/shared/contracts";
import { SopHttpError } from "./sop-errors.js";

/** A load reads the whole file and sizes its contexts: it may take a while on a large model. */
const CONTROL_TIMEOUT_MS = 120_000;

const STATUS_OF_CODE: Record<string, number> = { unknown_model: 404, file_not_found: 404, already_loaded: 409, insufficient_memory: 409, shutting_down: 503 };

/** Asks one worker to load or unload (its control subject); a refusal becomes the executor's error, with the numbers when memory is short. */
async function control(nc: NatsConnection, names: NatsNames, workerId: string, request: ModelControlRequest): Promise<ServedModel> {
  let data: Uint8Array;
  try {
    data = (await nc.request(names.subjects.modelControl(workerId), encodeMessage(ModelControlRequest, request), { timeout: CONTROL_TIMEOUT_MS })).data;
  } catch (err) {
    if (err instanceof RequestError && err.isNoResponders()) throw new SopHttpError(503, `Worker '${workerId}' does not take model commands.`);
    throw err;
  }
  const reply = decodeMessage(ModelControlReply, data);
  if (reply.ok) return reply.model;
  const fit = reply.error.fit;
  const numbers = fit ? ` (needs ${fit.needed.ramBytes} B RAM + ${fit.needed.vramBytes} B VRAM; free ${fit.available.ramBytes} B RAM, ${fit.available.vramBytes ?? 0} B VRAM)` : "";
  throw new SopHttpError(STATUS_OF_CODE[reply.error.code] ?? 400, `${reply.error.message}${numbers}`);
}

const freeMemory = (w: WorkerHeartbeat) => (w.hardware.vram ? w.hardware.vram.freeBytes : w.hardware.ram.freeBytes);

/** The worker a load goes to: the one named, else one already listing the model, else the one with the most free memory. */
export function pickWorker(workers: WorkerHeartbeat[], model: string, workerId?: string): WorkerHeartbeat {
  if (workerId) {
    const named = workers.find((w) => w.workerId === workerId);
    if (!named) throw new SopHttpError(404, `Worker '${workerId}' is not live.`);
    return named;
  }
  const holder = workers.find((w) => w.models.some((m) => m.name === model));
  const roomiest = [...workers].sort((a, b) => freeMemory(b) - freeMemory(a))[0];
  const chosen = holder ?? roomiest;
  if (!chosen) throw new SopHttpError(503, "No live worker to load the model on.");
  return chosen;
}

/** SOP's gpu_layers: -1 is "all that fit", Lantern's `auto`. */
export const gpuLayersOf = (layers: number | undefined): ModelSpec["gpuLayers"] => (layers === undefined ? undefined : layers < 0 ? "auto" : layers);

export function loadModel(nc: NatsConnection, names: NatsNames, workerId: string, model: ModelSpec): Promise<ServedModel> {
  return control(nc, names, workerId, { v: 1, op: "load", model });
}

/** Unloads the model from every live worker listing it (or the one named): the workers it left. */
export async function unloadModel(nc: NatsConnection, names: NatsNames, workers: WorkerHeartbeat[], name: string, workerId?: string): Promise<string[]> {
  const holders = workers.filter((w) => (!workerId || w.workerId === workerId) && w.models.some((m) => m.name === name));
  if (holders.length === 0) throw new SopHttpError(404, `Model '${name}' is not loaded on any live worker.`);
  await Promise.all(holders.map((w) => control(nc, names, w.workerId, { v: 1, op: "unload", name })));
  return holders.map((w) => w.workerId);
}
