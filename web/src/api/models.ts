import { errorFromResponse, type ApiErrorBody } from "./api-error.js";
import { authHeaders } from "./api-key.js";

/** The models the gateway serves to this key, or the error it answered with. */
export async function listModels(): Promise<{ models: string[] } | { error: ApiErrorBody }> {
  const res = await fetch("/v1/models", { headers: authHeaders() });
  if (!res.ok) return { error: await errorFromResponse(res) };
  const body = (await res.json()) as { data: Array<{ id: string }> };
  return { models: body.data.map((m) => m.id) };
}
