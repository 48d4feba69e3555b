import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { InferInput, OutputFormat, Priority, ReasoningOptions, Sampling, ToolUse } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, internalError, modelNotFound, noCapacity } from "../errors/api-error.js";
import type { InferenceCall } from "../jobs/inference-client.js";
import type { GeneratedToolCall, GenerationOutput, ResponseShape } from "../openai/response-shapes.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { requestPriority } from "./request-priority.js";
import { SseResponse } from "./sse-response.js";

export interface GenerationRequest {
  model: string;
  input: InferInput;
  sampling: Sampling;
  format: OutputFormat | undefined;
  /** From the body; the `x-priority` header is read here. */
  priority: Priority | null | undefined;
  tools?: ToolUse | undefined;
  reasoning?: ReasoningOptions | undefined;
  stream: boolean;
  includeUsage: boolean;
  shape: ResponseShape;
  /** The request field an over-long prompt is reported against ("messages" or "prompt"). */
  promptParam: string;
}

/** 404 for a model no worker ever served; 503 at once when it is known but no worker is up. */
export function ensureServed(deps: GatewayDeps, model: string): void {
  if (deps.registry.liveWorkersFor(model).length > 0) return;
  if (!deps.registry.knowsModel(model)) throw modelNotFound(model);
  const failures = deps.registry.loadFailures(model);
  if (failures.length > 0) throw noCapacity(`No live worker could load '${model}': ${failures.join("; ")}`, 5);
  throw noCapacity(`No live worker serves '${model}' right now.`, 5);
}

/** Aborts when the client closes the connection before the response has been written. */
export function clientGoneSignal(c: Context<GatewayEnv>): AbortSignal {
  const controller = new AbortController();
  const outgoing = c.env.outgoing;
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function collectBody(call: InferenceCall, shape: ResponseShape): Promise<object> {
  const output: GenerationOutput = { text: "", reasoning: "", toolCalls: [] };
  const calls = new Map<number, GeneratedToolCall>();
  for await (const event of call.events()) {
    if (event.kind === "text") output.text += event.text;
    else if (event.kind === "reasoning") output.reasoning += event.text;
    else if (event.kind === "tool_call") {
      const known = calls.get(event.index);
      if (known) known.arguments += event.arguments;
      else calls.set(event.index, { index: event.index, name: event.name, arguments: event.arguments });
    } else if (event.kind === "done") {
      output.toolCalls = [...calls.values()].sort((a, b) => a.index - b.index);
      return shape.body(output, event.done.finishReason, event.done.usage);
    } else throw event.error;
  }
  // events() ends without done or error only when the client went away.
  throw new ClientGoneError();
}

/** Writes the accepted job's events as OpenAI stream chunks, ending in `[DONE]` or an error event. */
async function streamEvents(sse: SseResponse, call: InferenceCall, req: GenerationRequest, deps: GatewayDeps, requestId: string) {
  let waitingForText = true;
  const ping = setInterval(() => {
    if (waitingForText) void sse.comment("ping");
  }, deps.config.GATEWAY_SSE_PING_MS);
  const send = (body: object) => sse.data(JSON.stringify(body));
  try {
    const start = req.shape.start();
    if (start) await send(start);
    for await (const event of call.events()) {
      if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") {
        waitingForText = false;
        const chunk =
          event.kind === "text"
            ? req.shape.chunk(event.text)
            : event.kind === "reasoning"
              ? req.shape.reasoning(event.text)
              : req.shape.toolCall(event);
        if (chunk) await send(chunk);
      } else if (event.kind === "done") {
        void send(req.shape.finish(event.done.finishReason));
        if (req.includeUsage) void send(req.shape.usage(event.done.usage));
        sse.end("[DONE]");
      } else {
        // A failure after the 200 was sent: an explicit error event, never a silent close.
        await send(event.error.toBody());
      }
    }
  } catch (err) {
    const apiError = err instanceof ApiError ? err : internalError(undefined, err);
    deps.logger.error({ err, requestId }, "stream failed");
    await send(apiError.toBody());
  } finally {
    clearInterval(ping);
    sse.end();
  }
}

/** Queues the job, then answers with one JSON body or an SSE stream ending in `[DONE]`. */
export async function serveGeneration(c: Context<GatewayEnv>, deps: GatewayDeps, req: GenerationRequest): Promise<Response> {
  const priority = requestPriority(c, req.priority);
  ensureServed(deps, req.model);
  const signal = clientGoneSignal(c);
  const call = await deps.inference.submit(
    {
      requestId: c.get("requestId"),
      model: req.model,
      input: req.input,
      sampling: req.sampling,
      format: req.format,
      tools: req.tools,
      reasoning: req.reasoning,
      priority,
      signal,
    },
    req.promptParam,
  );
  c.header("x-lantern-worker", call.accepted.workerId);
  if (!req.stream) return c.json(await collectBody(call, req.shape));

  const sse = new SseResponse(c.env.outgoing);
  sse.open(c.res.headers.entries());
  void streamEvents(sse, call, req, deps, c.get("requestId"));
  return RESPONSE_ALREADY_SENT;
}
