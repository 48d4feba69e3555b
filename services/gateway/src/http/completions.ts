import { Hono } from "hono";
import { CompletionRequest } from "@lantern/shared/contracts";
import { streamShape } from "../openai/response-shapes.js";
import { choiceCount, completionInput, formatFrom, samplingFrom } from "../openai/to-job.js";
import { completionLogprobsRequest } from "../openai/logprobs.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { readJsonObject } from "./read-body.js";
import { serveModelRequest } from "./serve-routes-and-cache.js";

export function completionsRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().post("/completions", async (c) => {
    const body = await readJsonObject(c, deps.config);
    const req = CompletionRequest.parse(body.object);
    const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
    const shape = { kind: "completion", id: `cmpl-${c.get("requestId")}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage, legacyFunctions: false } as const;
    const generation = {
      model: req.model,
      input: completionInput(req),
      sampling: samplingFrom(req),
      format: formatFrom(req),
      priority: req.priority,
      logprobs: completionLogprobsRequest(req),
      n: choiceCount(req),
      stream: Boolean(req.stream),
      includeUsage,
      promptParam: "prompt",
      shape: streamShape(shape),
      resumeShape: shape,
    };
    return serveModelRequest(c, deps, { endpoint: "/completions", body, generation });
  });
}
