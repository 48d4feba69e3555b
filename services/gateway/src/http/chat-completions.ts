import { Hono } from "hono";
import { natsNames } from "@lantern/shared/contracts";
import { ConversationClient } from "../conversations/conversation-client.js";
import { openConversationTurn } from "../conversations/conversation-turn.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { serveChatBody } from "./chat-over-http.js";
import { contextSizeOf } from "../serving/admission.js";

export function chatCompletionsRoutes(deps: GatewayDeps) {
  const conversations = {
    client: new ConversationClient(deps.nats.nc, natsNames(deps.config.NATS_NAMESPACE)),
    contextSize: (model: string) => contextSizeOf(deps, model),
    logger: deps.logger,
  };
  return new Hono<GatewayEnv>().post("/chat/completions", async (c) => {
    const sent = await readJsonObject(c, deps.config);
    // `conversation` (a Lantern extension): the stored history goes first and the turn is kept.
    const turn = await openConversationTurn(c, conversations, sent);
    const body = turn?.body ?? sent;
    let recorded: Promise<void> | undefined;
    const onAnswer = turn && ((answer: Parameters<typeof turn.record>[0], usage: Parameters<typeof turn.record>[1]) => void (recorded = turn.record(answer, usage)));
    const response = await serveChatBody(c, deps, body, onAnswer);
    // A whole answer goes out once its turn is stored, so the next request sees it (a stream's is stored as it ends).
    await recorded;
    return response;
  });
}
