import type { Context } from "hono";
import { ChatCompletionRequest, type TokenUsage } from "@lantern/shared/contracts";
import type { AnswerBody } from "../cache/response-cache.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { JsonObjectBody } from "../context/read-body.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { chatJob } from "../openai/to-job.js";
import { serveOverHttp } from "../render/http-generation.js";

type OnAnswer = (answer: AnswerBody, usage: TokenUsage) => void;

/**
 * An OpenAI chat completions body, served the one way and answered in OpenAI's shape: what
 * `/v1/chat/completions` does, and a custom provider that is the worker fleet under another name.
 */
export function serveChatBody(c: Context<GatewayEnv>, deps: GatewayDeps, body: JsonObjectBody, onAnswer?: OnAnswer): Promise<Response> {
  const req = ChatCompletionRequest.parse(body.object);
  const request = chatJob(req);
  const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
  const shape = { kind: "chat", id: `chatcmpl-${c.get("requestId")}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage, legacyFunctions: request.legacyFunctions } as const;
  return serveOverHttp(c, deps, { endpoint: "/chat/completions", body, model: req.model, priority: req.priority, request, shape, onAnswer });
}
