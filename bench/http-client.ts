import { Agent, request, type IncomingMessage } from "node:http";

export interface StreamResult {
  tokens: number;
  ttft: number;
  /** Until the last byte of the stream. */
  latency: number;
}

// Kept-alive connections, as an SDK would hold them; node:http costs the client less than fetch,
// so the figures show the server side, not the client's HTTP stack.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Feeds each Server-Sent Event's data (`[DONE]` left out) to `onData` as it arrives, unless the
 * status is not 200 or `onData` returns false (a failed stream); then resolves with whether it
 * failed and the start of what was not read as events (an error body).
 */
export function readSseData(res: IncomingMessage, onData: (data: string) => boolean | void): Promise<{ failed: boolean; rest: string }> {
  res.setEncoding("utf8");
  let buffer = "";
  let failed = res.statusCode !== 200;
  return new Promise((resolve, reject) => {
    res.on("data", (text: string) => {
      buffer += text;
      if (failed) return;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        // An event may carry an `id:` line (resumable streams) besides its `data:`.
        const line = buffer
          .slice(0, end)
          .split("\n")
          .find((l) => l.startsWith("data: "));
        buffer = buffer.slice(end + 2);
        if (line === undefined || line === "data: [DONE]") continue;
        if (onData(line.slice(6)) === false) failed = true;
      }
    });
    res.on("end", () => resolve({ failed, rest: buffer.slice(0, 500) }));
    res.on("error", reject);
  });
}

/** One streamed completion over HTTP: time to the first text, and the token count from usage. */
export function streamCompletion(baseUrl: string, body: Record<string, unknown>): Promise<StreamResult> {
  const t0 = performance.now();
  const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/v1/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      let ttft: number | undefined;
      let tokens = 0;
      readSseData(res, (event) => {
        const data = JSON.parse(event) as { choices?: Array<{ text: string }>; usage?: { completion_tokens: number } | null; error?: unknown };
        if (ttft === undefined && data.choices?.[0]?.text) ttft = performance.now() - t0;
        if (data.usage) tokens = data.usage.completion_tokens;
        return !data.error;
      }).then(({ failed, rest }) => {
        if (failed) return reject(new Error(`HTTP ${res.statusCode}: ${rest}`));
        const latency = performance.now() - t0;
        resolve({ tokens, ttft: ttft ?? latency, latency });
      }, reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}
