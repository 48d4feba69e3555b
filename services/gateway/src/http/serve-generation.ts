import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { InferInput, Sampling } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, internalError, modelNotFound, noCapacity } from "../errors/api-error.js";
import type { InferenceCall } from "../jobs/inference-client.js";
import type { ResponseShape } from "../openai/response-shapes.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";

export interface GenerationRequest {
  model: string;
  input: InferInput;
  sampling: Sampling;
  stream: boolean;
  includeUsage: boolean;
  shape: ResponseShape;
  /** The request field an over-long prompt is reported against ("messages" or "prompt"). */
  promptParam: string;
}

/** 404 for a model no worker ever served; 503 at once when it is known but no worker is up. */
function ensureServed(deps: GatewayDeps, model: string): void {
  if (deps.registry.liveWorkersFor(model).length > 0) return;
  if (!deps.registry.knowsModel(model)) throw modelNotFound(model);
  throw noCapacity(`No live worker serves '${model}' right now.`, 5);
}

/** Aborts when the client closes the connection before the response has been written. */
function clientGoneSignal(c: Context<GatewayEnv>): AbortSignal {
  const controller = new AbortController();
  const outgoing = c.env.outgoing;
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function collectBody(call: InferenceCall, shape: ResponseShape): Promise<object> {
  let text = "";
  for await (const event of call.events()) {
    if (event.kind === "text") text += event.text;
    else if (event.kind === "done") return shape.body(text, event.done.finishReason, event.done.usage);
    else throw event.error;
  }
  // events() ends without done or error only when the client went away.
  throw new ClientGoneError();
}

const sseData = (body: object) => ({ data: JSON.stringify(body) });

/** Queues the job, then answers with one JSON body or an SSE stream ending in `[DONE]`. */
export async function serveGeneration(c: Context<GatewayEnv>, deps: GatewayDeps, req: GenerationRequest): Promise<Response> {
  ensureServed(deps, req.model);
  const signal = clientGoneSignal(c);
  const call = await deps.inference.submit(
    { requestId: c.get("requestId"), model: req.model, input: req.input, sampling: req.sampling, signal },
    req.promptParam,
  );
  c.header("x-lantern-worker", call.accepted.workerId);
  if (!req.stream) return c.json(await collectBody(call, req.shape));

  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (sse) => {
    let waitingForText = true;
    const ping = setInterval(() => {
      if (waitingForText) void sse.write(": ping\n\n");
    }, deps.config.GATEWAY_SSE_PING_MS);
    try {
      const start = req.shape.start();
      if (start) await sse.writeSSE(sseData(start));
      for await (const event of call.events()) {
        if (event.kind === "text") {
          waitingForText = false;
          await sse.writeSSE(sseData(req.shape.chunk(event.text)));
        } else if (event.kind === "done") {
          await sse.writeSSE(sseData(req.shape.finish(event.done.finishReason)));
          if (req.includeUsage) await sse.writeSSE(sseData(req.shape.usage(event.done.usage)));
          await sse.writeSSE({ data: "[DONE]" });
        } else {
          // A failure after the 200 was sent: an explicit error event, never a silent close.
          await sse.writeSSE(sseData(event.error.toBody()));
        }
      }
    } catch (err) {
      const apiError = err instanceof ApiError ? err : internalError(undefined, err);
      deps.logger.error({ err, requestId: c.get("requestId") }, "stream failed");
      await sse.writeSSE(sseData(apiError.toBody())).catch(() => {});
    } finally {
      clearInterval(ping);
    }
  });
}
