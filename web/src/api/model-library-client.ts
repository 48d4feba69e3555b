import type {
  ModelEntry,
  ModelFitAnswer,
  ModelList,
  ModelPullEvent,
  PresetList,
  PullCancelAnswer,
  WorkerList,
  WorkerModelAnswer,
  WorkerModelBody,
} from "@lantern/shared/contracts";
import { AdminError, adminToken } from "./admin-client.js";
import { errorFromResponse } from "./api-error.js";
import { readSse } from "./sse-reader.js";

/** The gateway forwards these to the admin service (same origin, so no CORS is opened). */
const BASE = "/admin/api";

const authorization = (): Record<string, string> => {
  const token = adminToken.get();
  return token ? { authorization: `Bearer ${token}` } : {};
};

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { ...(init.body ? { "content-type": "application/json" } : {}), ...authorization() },
  });
  if (!res.ok) throw new AdminError(await errorFromResponse(res), res.status);
  return (await res.json()) as T;
}

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });
const segment = encodeURIComponent;

/** A pull from a preset, or from a Hugging Face repository's file. */
export type PullRequest = { preset: string } | { repo: string; file: string; name?: string };

export const modelLibrary = {
  models: () => call<ModelList>("/models").then((r) => r.models),
  workers: () => call<WorkerList>("/workers").then((r) => r.workers),
  presets: () => call<PresetList>("/model-presets").then((r) => r.presets),
  remove: (name: string) => call<unknown>(`/models/${segment(name)}`, { method: "DELETE" }),
  fit: (workerId: string, spec: WorkerModelBody) => call<ModelFitAnswer>(`/workers/${segment(workerId)}/fit`, json("POST", spec)),
  load: (workerId: string, spec: WorkerModelBody) => call<WorkerModelAnswer>(`/workers/${segment(workerId)}/models`, json("POST", spec)),
  unload: (workerId: string, name: string) => call<WorkerModelAnswer>(`/workers/${segment(workerId)}/models/${segment(name)}`, { method: "DELETE" }),
  pull: (request: PullRequest) => call<{ pullId: string; events: string }>("/models/pull", json("POST", request)),
  cancel: (pullId: string) => call<PullCancelAnswer>(`/models/pulls/${segment(pullId)}/cancel`, { method: "POST" }),
};

/**
 * Follows a pull's events until it is done or failed (or `signal` aborts). An `error` event (the
 * stream broke on the server) is thrown as the API's error.
 */
export async function* followPull(pullId: string, signal: AbortSignal): AsyncGenerator<ModelPullEvent> {
  const res = await fetch(`${BASE}/models/pulls/${segment(pullId)}/events`, { headers: { accept: "text/event-stream", ...authorization() }, signal });
  if (!res.ok) throw new AdminError(await errorFromResponse(res), res.status);
  for await (const message of readSse(res, signal)) {
    if (message.event === "error") {
      const body = JSON.parse(message.data) as { error: AdminError["body"] };
      throw new AdminError(body.error, 500);
    }
    yield JSON.parse(message.data) as ModelPullEvent;
  }
}

export type { ModelEntry };
