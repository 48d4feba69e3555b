import { RequestError, type NatsConnection } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  ModelControlReply,
  ModelControlRequest,
  ModelEstimateReply,
  type ModelControlErrorCode,
  type ModelFitAnswer,
  type ModelSpec,
  type NatsNames,
  type ServedModel,
} from "@lantern/shared/contracts";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "@lantern/shared/errors";

/** A load reads the whole file and sizes its contexts: it may take a while on a large model. */
const LOAD_TIMEOUT_MS = 120_000;
/** An estimate reads the GGUF header only, but waits for any load the worker is running first. */
const ESTIMATE_TIMEOUT_MS = 60_000;

const STATUS_OF_CODE: Record<ModelControlErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  path_outside_models_dir: 400,
  invalid_model_file: 400,
  file_not_found: 404,
  unknown_model: 404,
  already_loaded: 409,
  insufficient_memory: 409,
  shutting_down: 503,
  model_store_failed: 502,
  load_failed: 502,
};

const refusal = (code: ModelControlErrorCode, message: string) =>
  new ApiError(STATUS_OF_CODE[code], STATUS_OF_CODE[code] >= 500 ? "server_error" : "invalid_request_error", message, { code });

/** Asks one worker on its control subject; its silence or absence becomes an error in words. */
async function ask(nc: NatsConnection, names: NatsNames, workerId: string, request: ModelControlRequest, timeout: number): Promise<Uint8Array> {
  try {
    return (await nc.request(names.subjects.modelControl(workerId), encodeMessage(ModelControlRequest, request), { timeout })).data;
  } catch (err) {
    if (err instanceof RequestError && err.isNoResponders()) {
      throw new ApiError(503, "service_unavailable_error", `Worker '${workerId}' does not take model commands (it stopped, or runs a synthetic engine).`, { code: "worker_unavailable" });
    }
    throw new ApiError(504, "timeout_error", `Worker '${workerId}' did not answer within ${Math.round(timeout / 1000)} s.`, { code: "worker_timeout", cause: err });
  }
}

async function control(nc: NatsConnection, names: NatsNames, workerId: string, request: ModelControlRequest): Promise<ServedModel> {
  const reply = decodeMessage(ModelControlReply, await ask(nc, names, workerId, request, LOAD_TIMEOUT_MS));
  if (reply.ok) return reply.model;
  throw refusal(reply.error.code, reply.error.message);
}

/** Loads a model on one worker: the model as the worker shows it once loaded. */
export const loadOnWorker = (nc: NatsConnection, names: NatsNames, workerId: string, model: ModelSpec) => control(nc, names, workerId, { v: 1, op: "load", model });

/** Unloads a model from one worker (its running jobs finish first, within the worker's grace period). */
export const unloadFromWorker = (nc: NatsConnection, names: NatsNames, workerId: string, name: string) => control(nc, names, workerId, { v: 1, op: "unload", name });

/** What loading the model on the worker would take, by the worker's own estimate; nothing is loaded. */
export async function estimateOnWorker(nc: NatsConnection, names: NatsNames, workerId: string, model: ModelSpec): Promise<ModelFitAnswer> {
  const data = await ask(nc, names, workerId, { v: 1, op: "estimate", model }, ESTIMATE_TIMEOUT_MS);
  let reply: ModelEstimateReply;
  try {
    reply = decodeMessage(ModelEstimateReply, data);
  } catch {
    // A worker from before estimates answers with a control refusal: say so rather than "unreadable".
    throw new ApiError(501, "server_error", `Worker '${workerId}' cannot estimate a model's memory before loading it: it predates estimates.`, { code: "estimate_unsupported" });
  }
  if (!reply.ok) throw refusal(reply.error.code, reply.error.message);
  return { workerId, fit: reply.fit, fits: reply.shortfalls.length === 0, shortfalls: reply.shortfalls };
}
