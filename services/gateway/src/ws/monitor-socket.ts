import { Hono } from "hono";
import { requestHeader } from "../context/request-header.js";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { MonitorClientMessage } from "@lantern/shared/contracts";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { MonitorHub } from "./monitor-hub.js";
import { closeCodeFor, errorBody, parseFrame, sendFrame } from "./socket-frames.js";
import { socketKey } from "./socket-key.js";

const MONITOR_SOCKET_PATH = "/v1/ws/monitor";

/** `GET /v1/ws/monitor`: follow event kinds (`model.*`, `worker.stats`, ...) live. */
export function monitorSocketRoutes(deps: GatewayDeps, hub: MonitorHub, upgradeWebSocket: UpgradeWebSocket) {
  return new Hono<GatewayEnv>().get(
    "/monitor",
    upgradeWebSocket(async (c) => {
      let key = socketKey(c.req.query("key"), requestHeader(c, "authorization"));
      if (key !== null) await deps.edge.learnKey(`Bearer ${key}`);
      let unfollow: (() => void) | undefined;
      let closed = false;
      /** The key's id: a socket sees fleet events, and its own key's requests, tasks and runs. */
      let viewer: string | null = null;
      /** Same keys as the API: a key that may not use this path is refused, and the socket closed. */
      const authorized = (ws: WSContext) => {
        try {
          viewer = deps.edge.authorize(key === null ? undefined : `Bearer ${key}`, MONITOR_SOCKET_PATH).policy?.keyId ?? null;
          return true;
        } catch (err) {
          const error = toApiError(err);
          sendFrame(ws, { type: "error", id: null, error: errorBody(error) });
          ws.close(closeCodeFor(error), error.code ?? error.type);
          return false;
        }
      };
      return {
        onOpen: (_event, ws) => {
          if (key !== null && authorized(ws)) sendFrame(ws, { type: "auth_ok" });
        },
        onMessage: (event, ws) => {
          const parsed = parseFrame(MonitorClientMessage, event.data);
          if (!parsed.ok) return sendFrame(ws, { type: "error", id: null, error: errorBody(parsed.error) });
          const message = parsed.message;
          if (message.type === "auth") {
            key = message.key;
            if (authorized(ws)) sendFrame(ws, { type: "auth_ok" });
            return;
          }
          if (!authorized(ws)) return;
          unfollow?.();
          unfollow = undefined;
          void hub.follow({ kinds: message.kinds, viewer, deliver: (e) => sendFrame(ws, { type: "event", ...e }) }).then((stop) => {
            if (closed) return stop();
            unfollow = stop;
            sendFrame(ws, { type: "subscribed", kinds: message.kinds });
          });
        },
        onClose: () => {
          closed = true;
          unfollow?.();
        },
      };
    }),
  );
}
