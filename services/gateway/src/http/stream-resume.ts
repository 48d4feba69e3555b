import { Hono, type Context, type MiddlewareHandler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { isSafeRequestId, parseStreamEventId, type StreamRecord, HttpHeader } from "@lantern/shared/contracts";
import { ContinuedLedger } from "../edge/continued-ledger.js";
import { invalidRequest, streamNotFound } from "../errors/api-error.js";
import { followChoice } from "../jobs/choice-fan-out.js";
import { streamShape } from "../openai/response-shapes.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { requestHeader } from "../context/request-header.js";
import { sseBounds, streamEvents } from "../render/fleet-stream.js";
import { SseResponse } from "../render/sse-response.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";

/** The header a reconnecting SSE client sends: the id of the last event it got. */
const LAST_EVENT_ID = "last-event-id";

/**
 * The stream's record when this caller may resume it: the key that started it (or none for a
 * stream started without one). Any other answer is the same 404, so ids are not confirmed to strangers.
 */
export async function resumableBy(deps: GatewayDeps, requestId: string, authorization: string | undefined): Promise<StreamRecord> {
  const notFound = streamNotFound(requestId, deps.streams.windowS);
  if (!isSafeRequestId(requestId)) throw notFound;
  const record = await deps.streams.lookup(requestId);
  if (!record) throw notFound;
  await deps.edge.learnKey(authorization);
  const who = deps.edge.authorize(authorization, record.path);
  if ((who.policy?.keyId ?? null) !== record.keyId) throw notFound;
  return record;
}

/**
 * Writes a kept stream from after reply `after` on, at this gateway: the events the client has
 * not seen, then the live ones until `[DONE]`. A client that leaves cancels the job, as it would
 * have at the first gateway; the job's end is still read, so the request's usage event is published.
 */
async function resumeStream(c: Context<GatewayEnv>, deps: GatewayDeps, requestId: string, after: number): Promise<Response> {
  const record = await resumableBy(deps, requestId, requestHeader(c, "authorization"));
  const stop = new AbortController();
  const call = await deps.streams.follow(record, stop.signal);
  if (!call) throw streamNotFound(requestId, deps.streams.windowS);
  const calls = followChoice(call, stop);
  const ledger = new ContinuedLedger(deps.edge, record);
  ledger.servedBy({ workerIds: calls.workerIds });
  const outgoing = c.env.outgoing;
  let left = false;
  outgoing.once("close", () => {
    if (outgoing.writableFinished) return;
    left = true;
    call.cancel();
  });
  deps.logger.info({ requestId: record.requestId, after, startedBy: record.gatewayId }, "resuming stream");
  setResponseHeader(c, HttpHeader.resumed, record.requestId);
  const sse = new SseResponse(outgoing, sseBounds(deps));
  sse.open(responseHeaders(c));
  const { shape } = record;
  void streamEvents(
    sse,
    calls,
    { requestId: record.requestId, ledger, shape: streamShape(shape), n: 1, includeUsage: shape.includeUsage, ids: true, after, onTooSlow: () => call.cancel() },
    deps,
  ).finally(() => ledger.finish(left ? 499 : 200));
  return RESPONSE_ALREADY_SENT;
}

function afterQuery(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) throw invalidRequest("'after' must be a reply number from an event id (`<request id>:<after>`).", "after", "invalid_value");
  return Number(value);
}

/**
 * `GET /v1/streams/{requestId}`: the stream of that request, after the event named by
 * `Last-Event-ID` (an EventSource reconnecting) or by `?after=`, from its start otherwise.
 * Answered before the edge's accounting: a resume is no request of its own; its usage is the original's.
 */
export function streamResumeRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().get("/streams/:requestId", (c) => {
    const requestId = c.req.param("requestId");
    const named = parseStreamEventId(requestHeader(c, LAST_EVENT_ID) ?? "");
    const after = named && named.requestId === requestId ? named.seq : afterQuery(c.req.query("after"));
    return resumeStream(c, deps, requestId, after);
  });
}

/**
 * A generation request sent again with `Last-Event-ID: <requestId>:<seq>` (what SSE clients do
 * when they reconnect) continues that stream instead of starting a new one; its body is not read.
 */
export function resumeOnLastEventId(deps: GatewayDeps): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const lastEventId = requestHeader(c, LAST_EVENT_ID);
    const named = lastEventId !== undefined ? parseStreamEventId(lastEventId) : null;
    if (!named || c.req.method !== "POST") return next();
    return resumeStream(c, deps, named.requestId, named.seq);
  };
}
