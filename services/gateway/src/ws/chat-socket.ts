import { Hono } from "hono";
import { requestHeader } from "../context/request-header.js";
import type { UpgradeWebSocket } from "hono/ws";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { RequestIds } from "../context/request-ids.js";
import { ChatSession, type ChatDialect } from "./chat-session.js";
import { socketKey } from "./socket-key.js";

/**
 * `GET /v1/ws/chat`: streamed chats over one socket (frames in `@lantern/shared/contracts` ws.ts,
 * and the llama.cpp guide's in llama-guide-chat.ts). `dialect`: the error shape of a frame that
 * is not JSON, until the client's first readable frame says which protocol it speaks.
 */
export function chatSocketRoutes(deps: GatewayDeps, upgradeWebSocket: UpgradeWebSocket, dialect: ChatDialect = "lantern") {
  const ids = new RequestIds("req");
  return new Hono<GatewayEnv>().get(
    "/chat",
    upgradeWebSocket(async (c) => {
      let session: ChatSession | undefined;
      // The key may come in the URL: browsers cannot set headers on a WebSocket.
      const key = socketKey(c.req.query("key"), requestHeader(c, "authorization"));
      if (key !== null) await deps.edge.learnKey(`Bearer ${key}`);
      return {
        onOpen: (_event, ws) => {
          session = new ChatSession(deps, ws, ids, key, dialect);
          session.opened();
        },
        onMessage: (event) => session?.received(event.data),
        onClose: () => session?.closed(),
      };
    }),
  );
}
