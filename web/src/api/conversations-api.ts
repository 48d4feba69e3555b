import type { ConversationMessageInput, ConversationMessageView, ConversationView } from "@lantern/shared/contracts";
import { errorFromResponse, type ApiErrorBody } from "./api-error.js";
import { authHeaders } from "./api-key.js";

/** A refusal or failure of the gateway's API, with its OpenAI-shaped body (status 0: not reached). */
class GatewayApiError extends Error {
  override name = "GatewayApiError";
  constructor(
    readonly body: ApiErrorBody,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(body.message, options);
  }
}

const BASE = "/api/v1/conversations";
const unreachable: ApiErrorBody = { message: "The gateway cannot be reached.", type: "connection", param: null, code: null };

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, { ...init, headers: { ...(init.body ? { "content-type": "application/json" } : {}), ...authHeaders() } });
  } catch (cause) {
    throw new GatewayApiError(unreachable, 0, { cause });
  }
  if (!res.ok) throw new GatewayApiError(await errorFromResponse(res), res.status);
  return (await res.json()) as T;
}

const one = (id: string) => `/${encodeURIComponent(id)}`;
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

/** `/api/v1/conversations`: the chat histories the gateway keeps for this browser's API key. */
export const conversationsApi = {
  list: () => call<{ data: ConversationView[] }>("?limit=200").then((r) => r.data),
  create: (body: { title: string; model: string }) => call<ConversationView>("", json("POST", body)),
  update: (id: string, body: { title?: string; model?: string }) => call<ConversationView>(one(id), json("PATCH", body)),
  remove: (id: string) => call<unknown>(one(id), { method: "DELETE" }),
  messages: (id: string) => call<{ data: ConversationMessageView[] }>(`${one(id)}/messages`).then((r) => r.data),
  append: (id: string, messages: ConversationMessageInput[]) => call<unknown>(`${one(id)}/messages`, json("POST", { messages })),
  clear: (id: string) => call<unknown>(`${one(id)}/messages`, { method: "DELETE" }),
};
