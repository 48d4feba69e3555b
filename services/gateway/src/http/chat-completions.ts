import { Hono } from "hono";
import { ChatCompletionRequest } from "@lantern/shared/contracts";
import { chatCompletionShape } from "../openai/response-shapes.js";
import { choiceCount, chatInput, formatFrom, reasoningFrom, samplingFrom } from "../openai/to-job.js";
import { chatLogprobsRequest } from "../openai/logprobs.js";
import { toolRequestFrom } from "../openai/tool-use.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { readJsonObject } from "./read-body.js";
import { serveModelRequest } from "./serve-routes-and-cache.js";

export function chatCompletionsRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().post("/chat/completions", async (c) => {
    const body = await readJsonObject(c, deps.config);
    const req = ChatCompletionRequest.parse(body.object);
    const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
    const { toolUse, legacy } = toolRequestFrom(req);
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
      shape: chatCompletionShape({
        id: `chatcmpl-${c.get("requestId")}`,
        model: req.model,
        created: Math.floor(Date.now() / 1000),
        includeUsage,
        legacyFunctions: legacy,
      }),
    };
    return serveModelRequest(c, deps, { endpoint: "/chat/completions", body, generation });
  });
}
