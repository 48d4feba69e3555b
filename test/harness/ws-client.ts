import WebSocket from "ws";
import { waitFor } from "@lantern/shared/testing";

/** A test's WebSocket: every frame it received, parsed, and ways to wait for one. */
export interface TestSocket {
  ws: WebSocket;
  frames: Array<Record<string, any>>;
  send(frame: unknown): void;
  /** The first frame since `from` that matches (waits for it). */
  next(match: (frame: Record<string, any>) => boolean, from?: number, what?: string): Promise<Record<string, any>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Opens `path` on the gateway at `baseUrl` (http URL) and resolves once the socket is open. */
export async function openSocket(baseUrl: string, path: string): Promise<TestSocket> {
  const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + path);
  const frames: Array<Record<string, any>> = [];
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    async next(match, from = 0, what = "a frame") {
      await waitFor(() => frames.slice(from).some(match), 30_000, what);
      return frames.slice(from).find(match)!;
    },
    async close() {
      ws.close();
      await closed;
    },
  };
}
