import type { MonitorServerMessage } from "@lantern/shared/contracts";
import { socketUrl } from "./api-key.js";

export type MonitorFrame = Extract<MonitorServerMessage, { type: "event" }>;

/** Follows monitor kinds; reconnects after a drop. Returns the function that stops following. */
export function followMonitor(kinds: string[], onEvent: (event: MonitorFrame) => void, onStatus: (status: string) => void): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(socketUrl("/v1/ws/monitor"));
    ws.onopen = () => ws?.send(JSON.stringify({ type: "subscribe", kinds }));
    ws.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as MonitorServerMessage;
      if (frame.type === "event") onEvent(frame);
      else if (frame.type === "subscribed") onStatus("live");
      else if (frame.type === "error") onStatus(`refused: ${frame.error.message}`);
    };
    ws.onclose = () => {
      if (stopped) return;
      onStatus("reconnecting");
      retry = setTimeout(open, 2_000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    ws?.close();
  };
}
