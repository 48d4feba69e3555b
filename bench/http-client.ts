import { Agent, request } from "node:http";

export interface StreamResult {
  tokens: number;
  ttft: number;
  /** Until the last byte of the stream. */
  latency: number;
}

// Kept-alive connections, as an SDK would hold them; node:http costs the client less than fetch,
// so the figures show the server side, not the client's HTTP stack.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One streamed completion over HTTP: time to the first text, and the token count from usage. */
export function streamCompletion(baseUrl: string, body: Record<string, unknown>): Promise<StreamResult> {
  const t0 = performance.now();
  const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/v1/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      res.setEncoding("utf8");
      let ttft: number | undefined;
      let tokens = 0;
      let buffer = "";
      let failed = res.statusCode !== 200;
      res.on("data", (text: string) => {
        buffer += text;
        if (failed) return;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          // An event may carry an `id:` line (resumable streams) besides its `data:`.
          const event = buffer
            .slice(0, end)
            .split("\n")
            .find((line) => line.startsWith("data: "));
          buffer = buffer.slice(end + 2);
          if (event === undefined || event === "data: [DONE]") continue;
          const data = JSON.parse(event.slice(6)) as { choices?: Array<{ text: string }>; usage?: { completion_tokens: number } | null; error?: unknown };
          if (data.error) failed = true;
          if (ttft === undefined && data.choices?.[0]?.text) ttft = performance.now() - t0;
          if (data.usage) tokens = data.usage.completion_tokens;
        }
      });
      res.on("end", () => {
        if (failed) reject(new Error(`HTTP ${res.statusCode}: ${buffer.slice(0, 500)}`));
        else {
          const latency = performance.now() - t0;
          resolve({ tokens, ttft: ttft ?? latency, latency });
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}
