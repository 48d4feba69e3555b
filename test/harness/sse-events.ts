/** One server-sent event as a client sees it. */
export interface SseEvent {
  id: string | undefined;
  data: string;
}

/** The events of a streamed response as they arrive; ends with the stream (or when it breaks). */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        return;
      }
      if (chunk.done) return;
      buffered += decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = block.split("\n");
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
        if (data.length === 0) continue;
        const id = lines.find((l) => l.startsWith("id: "))?.slice(4);
        yield { id, data: data.join("\n") };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The generated text of a completion or chat chunk ("" for other events). */
export function chunkText(data: string): string {
  if (data === "[DONE]") return "";
  const chunk = JSON.parse(data) as { choices?: Array<{ text?: string; delta?: { content?: string } }> };
  return (chunk.choices ?? []).map((c) => c.text ?? c.delta?.content ?? "").join("");
}
