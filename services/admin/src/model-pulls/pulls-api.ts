import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { PresetList, PullCancelAnswer, type ModelPullEvent } from "@lantern/shared/contracts";
import { ApiError } from "@lantern/shared/errors";
import type { AdminDeps } from "../admin-deps.js";
import { toApiError } from "../http/render-error.js";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import { PullAccepted, PullIdParam, PullRequestBody, pullEventStream, pullTargetOf } from "./pull-schemas.js";
import { newPullId, pullQueue } from "@lantern/shared/nats";
import { openPullEvents, pullExists } from "./pull-events.js";
import { cancelPull } from "./pull-cancel.js";
import { listPresets } from "./preset-list.js";

const pullRoute = createRoute({
  method: "post",
  path: "/api/models/pull",
  tags: ["Models"],
  summary: "Pull a model: queue the download for a model fetcher",
  description:
    "Answers 202 with the pull id at once; or, when the request sends `Accept: text/event-stream`, streams the pull's events until it is done or failed. " +
    "The fetcher verifies the file's sha256, writes it under its MODELS_DIR and announces it; the admin service then registers it.",
  security: ADMIN_SECURITY,
  request: { body: jsonBody(PullRequestBody) },
  responses: {
    200: pullEventStream,
    202: json(PullAccepted, "Queued: follow it at `events`"),
    400: errors[400],
    401: errors[401],
  },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/api/models/pulls/{pullId}/events",
  tags: ["Models"],
  summary: "Follow a pull: its events so far, then live ones, as server-sent events",
  security: ADMIN_SECURITY,
  request: { params: PullIdParam },
  responses: { 200: pullEventStream, 400: errors[400], 401: errors[401], 404: errors[404] },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/api/models/pulls/{pullId}/cancel",
  tags: ["Models"],
  summary: "Cancel a running pull: its events end in model.pull.failed with code cancelled",
  description: "A later pull of the same file resumes from what was downloaded. A pull no fetcher is running (finished, failed, or still queued) is a 409.",
  security: ADMIN_SECURITY,
  request: { params: PullIdParam },
  responses: { 200: json(PullCancelAnswer, "Cancelled"), 400: errors[400], 401: errors[401], 409: errors[409] },
});

const presetsRoute = createRoute({
  method: "get",
  path: "/api/model-presets",
  tags: ["Models"],
  summary: "The preset catalogue of the running model fetchers: what a pull by preset can take",
  security: ADMIN_SECURITY,
  responses: { 200: json(PresetList, "Presets"), 401: errors[401], 503: { description: "No model fetcher is running", content: errors[401].content } },
});

/** Comments keep proxies from closing a quiet stream while a fetcher waits or resolves. */
const KEEPALIVE_MS = 15_000;

function sendEvents(c: Context, open: (signal: AbortSignal) => Promise<AsyncIterable<ModelPullEvent>>): Response {
  return streamSSE(c, async (stream) => {
    const abort = new AbortController();
    stream.onAbort(() => abort.abort());
    const keepalive = setInterval(() => void stream.write(": keepalive\n\n"), KEEPALIVE_MS);
    try {
      for await (const event of await open(abort.signal)) {
        await stream.writeSSE({ event: event.type, id: event.id, data: JSON.stringify(event) });
      }
    } finally {
      clearInterval(keepalive);
      abort.abort();
    }
  }, async (err, stream) => {
    // The 200 is already out: the failure goes down the stream, in the API's error shape.
    await stream.writeSSE({ event: "error", data: JSON.stringify(toApiError(err).toBody()) });
  });
}

/** `POST /api/models/pull`, `GET /api/models/pulls/{pullId}/events`, its cancel, and the presets a pull can take. */
export function pullsApi(deps: Pick<AdminDeps, "nats" | "names">) {
  const queue = pullQueue(deps);
  const app = adminRouter();

  app.openapi(pullRoute, async (c) => {
    const body = c.req.valid("json");
    const pull = {
      pullId: newPullId(),
      target: pullTargetOf(body),
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.distribute === undefined ? {} : { distribute: body.distribute }),
    };
    if (c.req.header("accept")?.includes("text/event-stream")) {
      await queue.ensureStreams();
      return sendEvents(c, async (signal) => {
        // Following first, so not even a fetcher's first event can come before it.
        const events = await openPullEvents(deps.nats.nc, deps.names, pull.pullId, signal);
        await queue.queue(pull);
        return events;
      });
    }
    const { pullId } = await queue.queue(pull);
    return c.json({ pullId, events: `/api/models/pulls/${pullId}/events` }, 202);
  });

  app.openapi(presetsRoute, async (c) => c.json(await listPresets(deps.nats.nc, deps.names), 200));
  app.openapi(cancelRoute, async (c) => c.json(await cancelPull(deps.nats.nc, deps.names, c.req.valid("param").pullId), 200));
  app.openapi(eventsRoute, async (c) => {
    const { pullId } = c.req.valid("param");
    if (!(await pullExists(deps.nats.nc, deps.names, pullId))) {
      const missing = new ApiError(404, "invalid_request_error", `No pull '${pullId}': it never started, or its events have expired.`, { param: "pullId", code: "not_found" });
      return c.json(missing.toBody(), 404);
    }
    return sendEvents(c, (signal) => openPullEvents(deps.nats.nc, deps.names, pullId, signal));
  });
  return app;
}
