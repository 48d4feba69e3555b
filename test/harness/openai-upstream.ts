import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface UpstreamRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Resolves when the gateway closed this request's connection or the answer ended. */
  closed: Promise<void>;
}

/** What the upstream does with one request; the default answers like a small OpenAI model. */
export type UpstreamBehaviour = (req: UpstreamRequest, res: ServerResponse) => void | Promise<void>;

export interface OpenAiUpstream {
  /** The provider's base URL (ends before `/chat/completions`). */
  baseUrl: string;
  requests: UpstreamRequest[];
  behave(behaviour: UpstreamBehaviour): void;
  close(): Promise<void>;
}

export const UPSTREAM_TEXT = ["Hello", " from", " upstream", "."];
export const UPSTREAM_USAGE = { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function jsonAnswer(req: UpstreamRequest, res: ServerResponse, text = UPSTREAM_TEXT.join("")): void {
  const model = String(req.body.model);
  const body = {
    id: "chatcmpl-upstream-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: UPSTREAM_USAGE,
  };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Streams the pieces as chat chunks, `gapMs` apart, with the usage chunk when asked for. */
export async function streamAnswer(req: UpstreamRequest, res: ServerResponse, pieces = UPSTREAM_TEXT, gapMs = 0): Promise<void> {
  const includeUsage = (req.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const base = { id: "chatcmpl-upstream-1", object: "chat.completion.chunk", created: 1_700_000_000, model: String(req.body.model) };
  const usageNull = includeUsage ? { usage: null } : {};
  const send = (chunk: object) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.writeHead(200, { "content-type": "text/event-stream" });
  send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], ...usageNull });
  for (const piece of pieces) {
    if (gapMs) await sleep(gapMs);
    if (res.destroyed) return;
    send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }], ...usageNull });
  }
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], ...usageNull });
  if (includeUsage) send({ ...base, choices: [], usage: UPSTREAM_USAGE });
  res.end("data: [DONE]\n\n");
}

export const defaultBehaviour: UpstreamBehaviour = (req, res) => (req.body.stream === true ? streamAnswer(req, res) : jsonAnswer(req, res));

/** An OpenAI-compatible server on a free loopback port that records every request it gets. */
export async function startOpenAiUpstream(behaviour: UpstreamBehaviour = defaultBehaviour): Promise<OpenAiUpstream> {
  let current = behaviour;
  const requests: UpstreamRequest[] = [];
  const server: Server = createServer(async (incoming: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));
    const req: UpstreamRequest = { path: incoming.url ?? "", headers: incoming.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")), closed };
    requests.push(req);
    try {
      await current(req, res);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until the client takes more or hangs up, leaving no listener behind. */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
