import { Hono } from "hono";
import { CompletionRequest } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { completionJob } from "../openai/to-job.js";
import { serveOverHttp } from "../render/http-generation.js";

export function completionsRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().post("/completions", async (c) => {
    const body = await readJsonObject(c, deps.config);
    const req = CompletionRequest.parse(body.object);
    const request = completionJob(req);
    const includeUsage = Boolean(req.stream && req.stream_options?.include_usage);
    const shape = { kind: "completion", id: `cmpl-${c.get("requestId")}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage, legacyFunctions: false } as const;
    return serveOverHttp(c, deps, { endpoint: "/completions", body, model: req.model, priority: req.priority, request, shape });
  });
}
