import { randomUUID } from "node:crypto";
import { requestHeader } from "../context/request-header.js";
import { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { SOP_MONITOR_EVENTS, SopMonitorCommand } from "@lantern/shared/contracts";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { SOP_HUB_KINDS, sopWants, toSopEvent } from "../compat/sop/sop-events.js";
import { sopQueueStats } from "../compat/sop/sop-fleet-stats.js";
import type { SopFleetLog } from "../compat/sop/sop-fleet-log.js";
import type { MonitorHub } from "./monitor-hub.js";
import { closeCodeFor, parseFrame, sendFrame } from "./socket-frames.js";
import { socketKey } from "./socket-key.js";

const SOCKET_PATH = "/ws/monitor";

/**
 * The SOP executor's `WS /ws/monitor`: `{type, timestamp, data}` events by the executor's names,
 * from the same hub as `/v1/ws/monitor`; everything until the client subscribes to patterns.
 */
export function sopMonitorSocketRoutes(deps: GatewayDeps, hub: MonitorHub, fleetLog: SopFleetLog, upgradeWebSocket: UpgradeWebSocket) {
  return new Hono<GatewayEnv>().get(
    SOCKET_PATH,
    upgradeWebSocket(async (c) => {
      const key = socketKey(c.req.query("key"), requestHeader(c, "authorization"));
      if (key !== null) await deps.edge.learnKey(`Bearer ${key}`);
      let patterns = new Set<string>(["*"]);
      let taskFilter: string | null = null;
      let unfollow: (() => void) | undefined;
      let closed = false;
      const now = () => Date.now() / 1000;
      return {
        onOpen: (_event, ws: WSContext) => {
          let viewer: string | null;
          try {
            // The same keys as the API: a key that may not use the socket is refused, and the socket closed.
            viewer = deps.edge.authorize(key === null ? undefined : `Bearer ${key}`, SOCKET_PATH).policy?.keyId ?? null;
          } catch (err) {
            const error = toApiError(err);
            sendFrame(ws, { type: "error", message: error.message });
            return ws.close(closeCodeFor(error), error.code ?? error.type);
          }
          const connectionId = randomUUID();
          sendFrame(ws, { type: "connected", connection_id: connectionId, message: "Connected to the Lantern monitor (SOP LLM executor events)", available_events: SOP_MONITOR_EVENTS });
          void fleetLog.ensureFollowing();
          void hub
            .follow({
              kinds: SOP_HUB_KINDS,
              viewer,
              deliver: (hubEvent) => {
                const event = toSopEvent(hubEvent);
                if (!event || !sopWants(patterns, event.type)) return;
                if (taskFilter && event.taskId && event.taskId !== taskFilter) return;
                sendFrame(ws, { type: event.type, timestamp: event.timestamp, data: event.data });
              },
            })
            .then((stop) => (closed ? stop() : (unfollow = stop)));
        },
        onMessage: (event, ws) => {
          const parsed = parseFrame(SopMonitorCommand, event.data);
          if (!parsed.ok) return sendFrame(ws, { type: "error", message: parsed.error.message });
          const command = parsed.message;
          if (command.type === "subscribe") {
            patterns = new Set(command.events);
            return sendFrame(ws, { type: "subscribed", events: command.events });
          }
          if (command.type === "unsubscribe") {
            for (const name of command.events) patterns.delete(name);
            return sendFrame(ws, { type: "unsubscribed", events: command.events });
          }
          if (command.type === "filter_task") {
            taskFilter = command.task_id ?? null;
            return sendFrame(ws, { type: "filter_set", task_id: taskFilter });
          }
          if (command.type === "ping") return sendFrame(ws, { type: "pong", timestamp: now() });
          sendFrame(ws, { type: "queue_stats", data: sopQueueStats(deps.queues.all(), fleetLog.size) });
        },
        onClose: () => {
          closed = true;
          unfollow?.();
        },
      };
    }),
  );
}
