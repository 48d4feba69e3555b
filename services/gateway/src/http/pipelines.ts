import type { Context } from "hono";
import { requestHeader } from "../context/request-header.js";
import { Hono } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import {
  GetRunRequest,
  InlineRunBody,
  isFinalRunStatus,
  ListDefinitionsReply,
  ListDefinitionsRequest,
  ListRunsReply,
  ListRunsRequest,
  PipelineRerunBody,
  PipelineRetryBody,
  PipelineRunBody,
  RerunRequest,
  RetryRunRequest,
  RunReply,
  StartRunRequest,
  natsNames,
  type PipelineRunView,
} from "@lantern/shared/contracts";
import { invalidRequest } from "../errors/api-error.js";
import { OrchestratorClient } from "../pipelines/orchestrator-client.js";
import { pipelineDefinitionRoutes } from "./pipeline-definitions.js";
import { lastEventSeq, runEventFeed } from "../pipelines/run-event-feed.js";
import { clientGoneSignal } from "../context/cancel-signal.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonBody } from "../context/read-body.js";
import { SseResponse } from "../render/sse-response.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";

const ORCHESTRATOR_TIMEOUT_MS = 10_000;

/**
 * `/v1/pipelines`: multi-stage runs, executed by the orchestrators and asked of them over NATS.
 * A run request waits for the run's end (default), answers 202 at once (`async`), or streams the
 * run's events (`stream`); `GET .../runs/{id}/events` replays and follows them for any run.
 */
export function pipelinesRoutes(deps: GatewayDeps) {
  const { nc } = deps.nats;
  const names = natsNames(deps.config.NATS_NAMESPACE);
  const orchestrator = new OrchestratorClient(nc, names, ORCHESTRATOR_TIMEOUT_MS);
  /** What the orchestrator checks a run against, and whose key pays for it; the request counts against that key now. */
  const queuedFor = async (c: Context<GatewayEnv>) => {
    const ledger = c.get("ledger");
    await ledger.admitSubmission();
    return { allowedModels: ledger.caller.policy?.allowedModels ?? null, owner: ledger.caller.keyId };
  };

  /** A run of the caller's key (any run when the gateway runs without keys). */
  const getRun = async (c: Context<GatewayEnv>, runId: string) =>
    (await orchestrator.request("get", GetRunRequest, { v: 1, runId, owner: c.get("ledger").caller.keyId }, RunReply)).run;

  /** Answers a run just queued the way the request asked. */
  const answer = async (c: Context<GatewayEnv>, run: PipelineRunView, mode: { async: boolean; stream: boolean }, afterSeq?: number) => {
    if (mode.stream) return streamEvents(c, run, afterSeq);
    if (mode.async) {
      setResponseHeader(c, "location", `/v1/pipelines/runs/${run.id}`);
      return c.json(run, 202);
    }
    for await (const _ of runEventFeed(nc, names, run.id, { finished: false, signal: clientGoneSignal(c), ...(afterSeq ? { afterSeq } : {}) })) {
      // Waiting for the final event; the run's rows say the rest.
    }
    return c.json(await getRun(c, run.id));
  };

  const streamEvents = async (c: Context<GatewayEnv>, run: PipelineRunView, afterSeq?: number) => {
    const signal = clientGoneSignal(c);
    const finished = isFinalRunStatus(run.status);
    const sse = new SseResponse(c.env.outgoing);
    setResponseHeader(c, "x-pipeline-run-id", run.id);
    sse.open(responseHeaders(c));
    c.get("ledger").streaming();
    const ping = setInterval(() => void sse.comment("ping"), deps.config.GATEWAY_SSE_PING_MS);
    try {
      for await (const event of runEventFeed(nc, names, run.id, { finished, signal, ...(afterSeq ? { afterSeq } : {}) })) await sse.data(JSON.stringify(event));
    } finally {
      clearInterval(ping);
      sse.end();
    }
    return RESPONSE_ALREADY_SENT;
  };

  return new Hono<GatewayEnv>()
    .get("/pipelines", async (c) => {
      const reply = await orchestrator.request("definitions", ListDefinitionsRequest, { v: 1 }, ListDefinitionsReply);
      return c.json({ object: "list", data: reply.pipelines, problems: reply.problems });
    })
    .get("/pipelines/runs", async (c) => {
      const limit = c.req.query("limit");
      const pipeline = c.req.query("pipeline");
      const parsedLimit = limit === undefined ? 50 : Number(limit);
      if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 500) throw invalidRequest("'limit' must be a whole number from 1 to 500.", "limit");
      const request = { v: 1 as const, limit: parsedLimit, owner: c.get("ledger").caller.keyId, ...(pipeline ? { pipeline } : {}) };
      const reply = await orchestrator.request("list", ListRunsRequest, request, ListRunsReply);
      return c.json({ object: "list", data: reply.runs });
    })
    .get("/pipelines/runs/:id", async (c) => c.json(await getRun(c, c.req.param("id"))))
    .get("/pipelines/runs/:id/events", async (c) => streamEvents(c, await getRun(c, c.req.param("id"))))
    .post("/pipelines/runs/:id/rerun", async (c) => {
      const body = await readJsonBody(c, PipelineRerunBody, deps.config);
      const request = {
        v: 1 as const,
        runId: c.req.param("id"),
        fromStage: body.from_stage,
        ...(await queuedFor(c)),
        ...(body.params ? { params: body.params } : {}),
        ...(body.input !== undefined ? { input: body.input } : {}),
      };
      const { run } = await orchestrator.request("rerun", RerunRequest, request, RunReply);
      return answer(c, run, body);
    })
    .post("/pipelines/runs/:id/retry", async (c) => {
      // The body is optional here: without one the request waits for the run's end.
      const hasBody = Number(requestHeader(c, "content-length") ?? 0) > 0 || requestHeader(c, "transfer-encoding") !== undefined;
      const body = hasBody ? await readJsonBody(c, PipelineRetryBody, deps.config) : PipelineRetryBody.parse({});
      const runId = c.req.param("id");
      // The retry's own events follow the failed try's: the answer is about them only.
      const afterSeq = await lastEventSeq(nc, names, runId);
      const { run } = await orchestrator.request("retry", RetryRunRequest, { v: 1, runId, ...(await queuedFor(c)) }, RunReply);
      return answer(c, run, body, afterSeq);
    })
    .post("/pipelines/runs", async (c) => {
      const body = await readJsonBody(c, InlineRunBody, deps.config);
      const request = {
        v: 1 as const,
        pipeline: body.name,
        definition: body.definition,
        input: body.input,
        ...(await queuedFor(c)),
        ...(body.params ? { params: body.params } : {}),
      };
      const { run } = await orchestrator.request("start", StartRunRequest, request, RunReply);
      return answer(c, run, body);
    })
    .post("/pipelines/:name/runs", async (c) => {
      const body = await readJsonBody(c, PipelineRunBody, deps.config);
      const request = { v: 1 as const, pipeline: c.req.param("name"), input: body.input, ...(await queuedFor(c)), ...(body.params ? { params: body.params } : {}) };
      const { run } = await orchestrator.request("start", StartRunRequest, request, RunReply);
      return answer(c, run, body);
    })
    .route("/", pipelineDefinitionRoutes(deps, orchestrator));
}
