/**
 * A fast OpenAI-compatible upstream for `pnpm bench:gateway`: no model, a fixed answer. Plain
 * requests get one prebuilt JSON body; streamed ones get `BENCH_STREAM_CHUNKS` content chunks,
 * each written in its own turn of the event loop (so each leaves as its own packet, as a model's
 * tokens do), then the usage chunk when asked for and `[DONE]`.
 * Run as a child process: prints `{"port":N}` once listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const CHUNKS = Number(process.env.BENCH_STREAM_CHUNKS ?? 100);
const created = 1_700_000_000;
const usage = { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS };

const answer = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created,
    model: "bench-model",
    choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage,
  }),
);
const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created, model: "bench-model", system_fingerprint: null };
const event = (chunk: object) => Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
const streamParts = (includeUsage: boolean) => {
  const usageNull = includeUsage ? { usage: null } : {};
  const parts = [event({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }], ...usageNull })];
  for (let i = 0; i < CHUNKS; i++) {
    parts.push(event({ ...base, choices: [{ index: 0, delta: { content: ` tok${i}` }, logprobs: null, finish_reason: null }], ...usageNull }));
  }
  parts.push(event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }], ...usageNull }));
  if (includeUsage) parts.push(event({ ...base, choices: [], usage }));
  parts.push(Buffer.from("data: [DONE]\n\n"));
  return parts;
};
const withUsage = streamParts(true);
const withoutUsage = streamParts(false);

function stream(res: ServerResponse, parts: Buffer[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let next = 0;
  const writeOne = () => {
    if (res.destroyed) return;
    if (next === parts.length - 1) return void res.end(parts[next]);
    res.write(parts[next++]);
    setImmediate(writeOne);
  };
  writeOne();
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    // Only streamed requests need a look inside; the fixed answer needs none.
    if (body.includes('"stream":true')) return stream(res, body.includes('"include_usage":true') ? withUsage : withoutUsage);
    res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
