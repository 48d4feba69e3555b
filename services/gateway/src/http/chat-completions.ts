import { Hono } from "hono";
import { ChatCompletionRequest, natsNames } from "@lantern/shared/contracts";
import { ConversationClient } from "../conversations/conversation-client.js";
import { openConversationTurn } from "../conversations/conversation-turn.js";
import { chatJob } from "../openai/to-job.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { serveOverHttp } from "../render/http-generation.js";
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
    const req = ChatCompletionRequest.parse(body.object);
    const request = chatJob(req);
    const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
    const shape = { kind: "chat", id: `chatcmpl-${c.get("requestId")}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage, legacyFunctions: request.legacyFunctions } as const;
    let recorded: Promise<void> | undefined;
    const onAnswer = turn && ((answer: Parameters<typeof turn.record>[0], usage: Parameters<typeof turn.record>[1]) => void (recorded = turn.record(answer, usage)));
    const response = await serveOverHttp(c, deps, { endpoint: "/chat/completions", body, model: req.model, priority: req.priority, request, shape, onAnswer });
    // A whole answer goes out once its turn is stored, so the next request sees it (a stream's is stored as it ends).
    await recorded;
    return response;
  });
}
