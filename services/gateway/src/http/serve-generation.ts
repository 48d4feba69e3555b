import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type {
  InferInput,
  LogprobsRequest,
  OutputFormat,
  Priority,
  ReasoningOptions,
  Sampling,
  TokenUsage,
  ToolUse,
} from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, internalError, modelNotFound, noCapacity } from "../errors/api-error.js";
import { submitChoices, type ChoiceCalls, type ChoiceEvent } from "../jobs/choice-fan-out.js";
import type { ChoiceResult, ResponseShape } from "../openai/response-shapes.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { requestPriority } from "./request-priority.js";
import { SseResponse } from "./sse-response.js";

export interface GenerationRequest {
  model: string;
  input: InferInput;
  sampling: Sampling;
  format: OutputFormat | undefined;
  logprobs: LogprobsRequest | undefined;
  /** How many choices to generate (`n`). */
  n: number;
  /** From the body; the `x-priority` header is read here. */
  priority: Priority | null | undefined;
  tools?: ToolUse | undefined;
  reasoning?: ReasoningOptions | undefined;
  stream: boolean;
  includeUsage: boolean;
  shape: ResponseShape;
  /** The request field an over-long prompt is reported against ("messages" or "prompt"). */
  promptParam: string;
  /** Ends the attempt early as if the client had gone (a route step's timeout). */
  signal?: AbortSignal;
  /** Sees the complete answer of a successful generation, streamed or not, as the non-streamed body. */
  onAnswer?: (body: object, usage: TokenUsage) => void;
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

function emptyChoices(req: GenerationRequest): ChoiceResult[] {
  return Array.from({ length: req.n }, () => ({
    text: "",
    reasoning: "",
    toolCalls: [],
    finishReason: "stop",
    logprobs: req.logprobs ? [] : undefined,
  }));
}

/** Adds one output or finish event to the choices of the non-streamed body. */
function recordEvent(choices: ChoiceResult[], event: ChoiceEvent): void {
  if (event.kind === "text") {
    const choice = choices[event.index]!;
    choice.text += event.text;
    if (event.logprobs) choice.logprobs?.push(...event.logprobs);
  } else if (event.kind === "reasoning") {
    choices[event.index]!.reasoning += event.text;
  } else if (event.kind === "tool_call") {
    const { toolCalls } = choices[event.index]!;
    const { index, name, arguments: args } = event.call;
    const known = toolCalls.find((call) => call.index === index);
    if (known) known.arguments += args;
    else toolCalls.push({ index, name, arguments: args });
  } else if (event.kind === "finish") {
    const choice = choices[event.index]!;
    choice.finishReason = event.finishReason;
    choice.toolCalls.sort((a, b) => a.index - b.index);
  }
}

async function collectBody(calls: ChoiceCalls, req: GenerationRequest): Promise<object> {
  const choices = emptyChoices(req);
  for await (const event of calls.events()) {
    if (event.kind === "complete") {
      const body = req.shape.body(choices, event.usage);
      req.onAnswer?.(body, event.usage);
      return body;
    }
    if (event.kind === "error") throw event.error;
    recordEvent(choices, event);
  }
  // events() ends without complete or error only when the client went away.
  throw new ClientGoneError();
}

/** Writes the accepted job's events as OpenAI stream chunks, ending in `[DONE]` or an error event. */
async function streamEvents(sse: SseResponse, calls: ChoiceCalls, req: GenerationRequest, deps: GatewayDeps, requestId: string) {
  let waitingForText = true;
  const ping = setInterval(() => {
    if (waitingForText) void sse.comment("ping");
  }, deps.config.GATEWAY_SSE_PING_MS);
  const send = (body: object) => sse.data(JSON.stringify(body));
  // Only kept when someone wants the whole answer at the end.
  const choices = req.onAnswer ? emptyChoices(req) : undefined;
  try {
    for (let index = 0; index < req.n; index++) {
      const start = req.shape.start(index);
      if (start) await send(start);
    }
    for await (const event of calls.events()) {
      if (choices) recordEvent(choices, event);
      if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") {
        waitingForText = false;
        const chunk =
          event.kind === "text"
            ? req.shape.chunk(event.index, event.text, event.logprobs)
            : event.kind === "reasoning"
              ? req.shape.reasoning(event.index, event.text)
              : req.shape.toolCall(event.index, event.call);
        if (chunk) await send(chunk);
      } else if (event.kind === "finish") {
        void send(req.shape.finish(event.index, event.finishReason));
      } else if (event.kind === "complete") {
        if (req.includeUsage) void send(req.shape.usage(event.usage));
        sse.end("[DONE]");
        if (choices) req.onAnswer?.(req.shape.body(choices, event.usage), event.usage);
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

/** Queues a job per choice, then answers with one JSON body or an SSE stream ending in `[DONE]`. */
export async function serveGeneration(c: Context<GatewayEnv>, deps: GatewayDeps, req: GenerationRequest): Promise<Response> {
  const priority = requestPriority(c, req.priority);
  ensureServed(deps, req.model);
  const signal = req.signal ? AbortSignal.any([clientGoneSignal(c), req.signal]) : clientGoneSignal(c);
  const calls = await submitChoices(deps.inference, {
    requestId: c.get("requestId"),
    model: req.model,
    input: req.input,
    sampling: req.sampling,
    format: req.format,
    tools: req.tools,
    reasoning: req.reasoning,
    logprobs: req.logprobs,
    priority,
    n: req.n,
    promptParam: req.promptParam,
    signal,
  });
  const servedBy = () => c.header("x-lantern-worker", [...calls.workerIds].join(","));
  if (!req.stream) {
    const body = await collectBody(calls, req);
    servedBy();
    return c.json(body);
  }

  servedBy();
  const sse = new SseResponse(c.env.outgoing);
  sse.open(c.res.headers.entries());
  void streamEvents(sse, calls, req, deps, c.get("requestId"));
  return RESPONSE_ALREADY_SENT;
}
