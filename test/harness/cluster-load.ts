import { sseEvents } from "./sse-events.js";

/*
 * What clients of a stack under a node loss see: streamed completions, each classified by how it
 * ended and timed (first token, longest silence between two events), and a key's admissions.
 */

export type StreamOutcome = "completed" | "error event" | "error answer" | "silent truncation";

export interface StreamResult {
  outcome: StreamOutcome;
  /** Milliseconds from the request to its first token; null when none came. */
  ttftMs: number | null;
  /** The longest wait between two events of the answer (or before the first). */
  longestStallMs: number;
  startedAt: number;
  requestId?: string;
  error?: string;
}

/** One streamed chat completion, classified by what the client saw. */
export async function streamedChat(baseUrl: string, secret: string | null, model: string, maxTokens: number): Promise<StreamResult> {
  const startedAt = Date.now();
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: maxTokens, stream: true }),
    });
  } catch (err) {
    return { outcome: "silent truncation", ttftMs: null, longestStallMs: Date.now() - startedAt, startedAt, error: String(err) };
  }
  const requestId = res.headers.get("x-request-id") ?? undefined;
  if (res.status !== 200) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    const outcome = body.error?.message ? "error answer" : "silent truncation";
    return { outcome, ttftMs: null, longestStallMs: Date.now() - startedAt, startedAt, requestId, error: `${res.status} ${body.error?.message}` };
  }
  let last = startedAt;
  let longestStallMs = 0;
  let ttftMs: number | null = null;
  const events: string[] = [];
  for await (const event of sseEvents(res)) {
    const now = Date.now();
    longestStallMs = Math.max(longestStallMs, now - last);
    last = now;
    if (ttftMs === null && event.data.includes('"content"')) ttftMs = now - startedAt;
    events.push(event.data);
  }
  const errorEvent = events.find((e) => e.includes('"error"'));
  if (errorEvent) return { outcome: "error event", ttftMs, longestStallMs, startedAt, requestId, error: errorEvent.slice(0, 300) };
  const finished = events.some((e) => /"finish_reason":"(stop|length)"/.test(e)) && events.at(-1) === "[DONE]";
  return { outcome: finished ? "completed" : "silent truncation", ttftMs, longestStallMs, startedAt, requestId };
}

/** Clients each sending one streamed completion after another until stopped. */
export function steadyLoad(clients: number, send: () => Promise<StreamResult>) {
  const results: StreamResult[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) results.push(await send());
  });
  return {
    results,
    async stop(): Promise<StreamResult[]> {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

export function countOutcomes(results: StreamResult[]): Record<StreamOutcome, number> {
  const counts: Record<StreamOutcome, number> = { completed: 0, "error event": 0, "error answer": 0, "silent truncation": 0 };
  for (const r of results) counts[r.outcome]++;
  return counts;
}

/** A non-streamed request's status (200 admitted, 429 refused by the key's limit, anything else an error) and its error code. */
export async function chatStatus(baseUrl: string, secret: string, model: string): Promise<{ status: number; code: string | null; message?: string }> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Once" }], max_tokens: 2 }),
  }).catch(() => null);
  if (!res) return { status: 0, code: "no answer" };
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return { status: res.status, code: body?.error?.code ?? null, ...(body?.error?.message ? { message: body.error.message } : {}) };
}
