import type { WsError } from "@lantern/shared/contracts";

export type ApiErrorBody = WsError;

/** What the person can do about an error from the API, in a sentence. */
export function adviceFor(error: ApiErrorBody): string {
  const code = error.code ?? "";
  if (code === "invalid_api_key") return "Set a valid API key under Settings (keys are made on the Keys page).";
  if (code === "model_not_found") return "This model is not served here: pick another one from the list.";
  if (code === "model_not_allowed" || error.type === "permission_error") return "Your API key may not use this: pick another model or use another key.";
  if (code === "queue_full") return "Too many requests are waiting for this model. Retry in a few seconds.";
  if (code === "no_capacity") return "No worker can run this model right now. Start a worker that serves it (npm start runs one), or pick another model.";
  if (error.type === "insufficient_quota") return "The key's budget is spent for this period: raise it on the Keys page or wait for the next period.";
  if (error.type === "requests" || error.type === "tokens" || error.type === "rate_limit_error") return "Rate limited: wait a moment and send again, or raise the key's limits on the Keys page.";
  if (error.type === "timeout_error") return "The worker stopped answering. Regenerate to try again.";
  if (error.type === "connection") return "The connection to the gateway was lost. Check that it is running, then regenerate.";
  if (error.type === "invalid_request_error") return "The request was refused as sent: check the settings.";
  return "Something failed on the server. Regenerate to try again; the gateway's log has the details.";
}

/** The OpenAI-shaped error in an HTTP answer, or a stand-in naming the status. */
export async function errorFromResponse(res: Response): Promise<ApiErrorBody> {
  const body = (await res.json().catch(() => null)) as { error?: ApiErrorBody } | null;
  return body?.error ?? { message: `HTTP ${res.status} ${res.statusText}`, type: "server_error", param: null, code: null };
}
