import { Hono } from "hono";
import { requestHeader } from "../context/request-header.js";
import {
  CheckReply,
  CheckRequest,
  DefinitionName,
  DefinitionReply,
  GetDefinitionRequest,
  ModelsReportReply,
  ModelsReportRequest,
  PipelineCheckBody,
  SaveDefinitionBody,
  SaveDefinitionReply,
  SaveDefinitionRequest,
} from "@lantern/shared/contracts";
import { ApiError, invalidRequest } from "../errors/api-error.js";
import { adminRefusal } from "../edge/admin-token.js";
import type { OrchestratorClient } from "../pipelines/orchestrator-client.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonBody } from "../context/read-body.js";

/** The header saving a definition needs: `Authorization` carries the API key, the admin token travels beside it. */
export const ADMIN_TOKEN_HEADER = "x-admin-token";

/**
 * The definitions behind `/v1/pipelines`: the models they use and whether they can be loaded, a
 * check before a run, one pipeline's file, and saving one into PIPELINES_DIR (admin only).
 */
export function pipelineDefinitionRoutes(deps: GatewayDeps, orchestrator: OrchestratorClient) {
  return new Hono<GatewayEnv>()
    .get("/pipelines/models", async (c) => {
      const { report } = await orchestrator.request("models", ModelsReportRequest, { v: 1 }, ModelsReportReply);
      return c.json({ object: "pipeline.models", ...report });
    })
    .post("/pipelines/check", async (c) => {
      const body = await readJsonBody(c, PipelineCheckBody, deps.config);
      const { check } = await orchestrator.request("check", CheckRequest, { v: 1, ...body }, CheckReply);
      return c.json(check);
    })
    .get("/pipelines/:name", async (c) => {
      const { definition } = await orchestrator.request("definition", GetDefinitionRequest, { v: 1, name: c.req.param("name") }, DefinitionReply);
      return c.json(definition);
    })
    .put("/pipelines/:name", async (c) => {
      const refusal = adminRefusal(requestHeader(c, ADMIN_TOKEN_HEADER), deps.config.GATEWAY_ADMIN_TOKEN, c.env?.incoming?.socket.remoteAddress);
      if (refusal === "remote") {
        throw new ApiError(403, "permission_error", "Pipelines are saved from this machine only: set GATEWAY_ADMIN_TOKEN to save them remotely.", { code: "admin_only" });
      }
      if (refusal === "token") {
        throw new ApiError(401, "authentication_error", "Saving a pipeline needs the admin token: send it as 'X-Admin-Token: <GATEWAY_ADMIN_TOKEN>'.", {
          code: "admin_token_required",
          param: ADMIN_TOKEN_HEADER,
        });
      }
      const name = c.req.param("name");
      const named = DefinitionName.safeParse(name);
      if (!named.success) throw invalidRequest(`The pipeline's name '${name}': ${named.error.issues[0]!.message}.`, "name");
      const body = await readJsonBody(c, SaveDefinitionBody, deps.config);
      const request = { v: 1 as const, name, definition: body.definition, overwrite: body.overwrite };
      const { saved } = await orchestrator.request("save", SaveDefinitionRequest, request, SaveDefinitionReply);
      return c.json(saved, saved.created ? 201 : 200);
    });
}
