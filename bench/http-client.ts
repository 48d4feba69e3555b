export interface StreamResult {
  tokens: number;
  ttft: number;
}

/** One streamed completion over HTTP: time to the first text, and the token count from usage. */
export async function streamCompletion(baseUrl: string, body: Record<string, unknown>): Promise<StreamResult> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttft: number | undefined;
  let tokens = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    buffer += decoder.decode(bytes as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
      const data = JSON.parse(event.slice(6)) as { choices: Array<{ text: string }>; usage?: { completion_tokens: number } | null };
      if (ttft === undefined && data.choices[0]?.text) ttft = performance.now() - t0;
      if (data.usage) tokens = data.usage.completion_tokens;
    }
  }
  return { tokens, ttft: ttft ?? performance.now() - t0 };
}
