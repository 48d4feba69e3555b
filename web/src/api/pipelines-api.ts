import {
  PipelineEvent,
  type InlineRunBody,
  type PipelineCheck,
  type PipelineCheckBody,
  type PipelineDefinitionSummary,
  type PipelineDefinitionView,
  type PipelineModelsReport,
  type PipelineRerunBody,
  type PipelineRunSummary,
  type PipelineRunView,
  type SavedDefinition,
} from "@lantern/shared/contracts";
import { errorFromResponse, type ApiErrorBody } from "./api-error.js";
import { authHeaders } from "./api-key.js";

/** A refusal of the pipelines API, with its OpenAI-shaped body (status 0: the gateway was not reached). */
export class PipelinesApiError extends Error {
  override name = "PipelinesApiError";
  constructor(
    readonly body: ApiErrorBody,
    readonly status: number,
  ) {
    super(body.message);
  }
}

const unreachable: ApiErrorBody = { message: "The gateway cannot be reached.", type: "connection", param: null, code: null };

async function send(path: string, init: RequestInit & { extraHeaders?: Record<string, string> } = {}): Promise<Response> {
  const { extraHeaders, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers: { ...(rest.body ? { "content-type": "application/json" } : {}), ...authHeaders(), ...extraHeaders } });
  } catch {
    throw new PipelinesApiError(unreachable, 0);
  }
  if (!res.ok) throw new PipelinesApiError(await errorFromResponse(res), res.status);
  return res;
}

const call = async <T>(path: string, init: RequestInit & { extraHeaders?: Record<string, string> } = {}) => (await (await send(path, init)).json()) as T;
const post = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body) });

/** Reads an SSE body, each `data:` block a pipeline event parsed with the contract. */
async function readEvents(res: Response, onEvent: (event: PipelineEvent) => void): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    let cut: number;
    while ((cut = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      if (block.startsWith("data: ")) onEvent(PipelineEvent.parse(JSON.parse(block.slice("data: ".length))));
    }
  }
}

/** `/v1/pipelines`: definitions, runs and their live events, history, reruns, models. */
export const pipelinesApi = {
  definitions: () => call<{ data: PipelineDefinitionSummary[]; problems: string[] }>("/v1/pipelines"),
  definition: (name: string) => call<PipelineDefinitionView>(`/v1/pipelines/${encodeURIComponent(name)}`),
  models: () => call<PipelineModelsReport>("/v1/pipelines/models"),
  check: (body: PipelineCheckBody) => call<PipelineCheck>("/v1/pipelines/check", post(body)),
  runs: (limit = 200) => call<{ data: PipelineRunSummary[] }>(`/v1/pipelines/runs?limit=${limit}`).then((r) => r.data),
  run: (id: string) => call<PipelineRunView>(`/v1/pipelines/runs/${encodeURIComponent(id)}`),

  /** Starts a saved pipeline's run and follows its events until it ends. */
  async runNamed(name: string, input: string, onEvent: (event: PipelineEvent) => void): Promise<void> {
    await readEvents(await send(`/v1/pipelines/${encodeURIComponent(name)}/runs`, post({ input, stream: true })), onEvent);
  },
  /** Runs a definition that is not saved, and follows its events. */
  async runInline(body: Omit<InlineRunBody, "stream" | "async">, onEvent: (event: PipelineEvent) => void): Promise<void> {
    await readEvents(await send("/v1/pipelines/runs", post({ ...body, stream: true })), onEvent);
  },
  /** A child run from a stage of `id`, followed like a run. */
  async rerun(id: string, body: Omit<PipelineRerunBody, "stream" | "async">, onEvent: (event: PipelineEvent) => void): Promise<void> {
    await readEvents(await send(`/v1/pipelines/runs/${encodeURIComponent(id)}/rerun`, post({ ...body, stream: true })), onEvent);
  },
  /** Writes the definition into PIPELINES_DIR; the admin token travels in its own header (Authorization holds the API key). */
  save: (name: string, definition: Record<string, unknown>, overwrite: boolean, adminToken: string) =>
    call<SavedDefinition>(`/v1/pipelines/${encodeURIComponent(name)}`, {
      method: "PUT",
      body: JSON.stringify({ definition, overwrite }),
      extraHeaders: adminToken ? { "x-admin-token": adminToken } : {},
    }),
};
