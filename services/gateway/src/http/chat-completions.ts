import { Hono } from "hono";
import { ChatCompletionRequest, natsNames } from "@lantern/shared/contracts";
import { ConversationClient } from "../conversations/conversation-client.js";
import { openConversationTurn } from "../conversations/conversation-turn.js";
import { streamShape } from "../openai/response-shapes.js";
import { choiceCount, chatInput, formatFrom, reasoningFrom, samplingFrom } from "../openai/to-job.js";
import { chatLogprobsRequest } from "../openai/logprobs.js";
import { toolRequestFrom } from "../openai/tool-use.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { readJsonObject } from "./read-body.js";
import { contextSizeOf } from "./serve-generation.js";
import { serveModelRequest } from "./serve-routes-and-cache.js";

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
    const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
    const { toolUse, legacy } = toolRequestFrom(req);
    const shape = { kind: "chat", id: `chatcmpl-${c.get("requestId")}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage, legacyFunctions: legacy } as const;
    const generation = {
      model: req.model,
      input: chatInput(req),
      sampling: samplingFrom(req),
      format: formatFrom(req),
      priority: req.priority,
      tools: toolUse,
      reasoning: reasoningFrom(req),
      logprobs: chatLogprobsRequest(req, { functionCalling: toolUse !== undefined }),
      n: choiceCount(req),
      stream: Boolean(req.stream),
      includeUsage,
      promptParam: "messages",
      shape: streamShape(shape),
      resumeShape: shape,
    };
    let recorded: Promise<void> | undefined;
    const onAnswer = turn && ((answer: Parameters<typeof turn.record>[0], usage: Parameters<typeof turn.record>[1]) => void (recorded = turn.record(answer, usage)));
    const response = await serveModelRequest(c, deps, { endpoint: "/chat/completions", body, generation, onAnswer });
    // A whole answer goes out once its turn is stored, so the next request sees it (a stream's is stored as it ends).
    await recorded;
    return response;
  });
}
