import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import {
  streamEventId,
  type InferInput,
  type LogprobsRequest,
  type OutputFormat,
  type Priority,
  type ReasoningOptions,
  type Sampling,
  type StreamShape,
  type TokenUsage,
  type ToolUse, HttpHeader } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, clientTooSlow, internalError, modelNotFound, noCapacity } from "../errors/api-error.js";
import { submitChoices, type ChoiceCalls, type ChoiceEvent } from "../jobs/choice-fan-out.js";
import type { RequestLedger } from "../edge/request-ledger.js";
import type { ChoiceResult, ResponseShape } from "../openai/response-shapes.js";
import { clientGoneSignal } from "./cancel-signal.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import { requestPriority } from "./request-priority.js";
import { SseResponse, type SseBounds, type TooSlowReason } from "./sse-response.js";
import { responseHeaders, setResponseHeader } from "./response-headers.js";

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
  /** What `shape` was made from: a stream with one choice is kept for resuming when given. */
  resumeShape?: StreamShape | undefined;
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

/** Every token is at least one byte of the prompt as sent (roles and template marks included): an upper bound. */
export function promptBytes(input: InferInput): number {
  return Buffer.byteLength(JSON.stringify(input));
}

/** The most a request without max_tokens can generate: its model's context. */
export function contextSizeOf(deps: GatewayDeps, model: string): number {
  return deps.registry.servedModels().find((m) => m.name === model)?.contextSize ?? deps.config.GATEWAY_DEFAULT_COMPLETION_TOKENS;
}

function emptyChoices(n: number, logprobs: boolean): ChoiceResult[] {
  return Array.from({ length: n }, () => ({
    text: "",
    reasoning: "",
    toolCalls: [],
    finishReason: "stop",
    logprobs: logprobs ? [] : undefined,
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

async function collectBody(calls: ChoiceCalls, req: GenerationRequest, ledger: RequestLedger): Promise<object> {
  const choices = emptyChoices(req.n, Boolean(req.logprobs));
  for await (const event of calls.events()) {
    if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") ledger.firstOutput();
    if (event.kind === "complete") {
      ledger.usage(event.usage);
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

/** How a stream's events are written; a resumed stream passes the original request's id and what its client already has. */
export interface StreamOptions {
  requestId: string;
  ledger: RequestLedger;
  shape: ResponseShape;
  n: number;
  includeUsage: boolean;
  onAnswer?: GenerationRequest["onAnswer"];
  /** The whole answer given to `onAnswer` keeps the tokens' logprobs. */
  logprobs?: boolean;
  /** Each event gets the id `<requestId>:<seq>` (a stream that can be resumed). */
  ids: boolean;
  /** Events of replies up to this one are not written: the client has them (0: write all). */
  after: number;
  /** Called once when the client reads too slowly: the caller stops the job; the stream is dropped here. */
  onTooSlow: () => void;
}

/** What a stream may hold for a client that does not keep up. */
export function sseBounds(deps: GatewayDeps): SseBounds {
  return { maxPendingBytes: deps.config.GATEWAY_STREAM_BUFFER_BYTES, stallMs: deps.config.GATEWAY_STREAM_STALL_MS };
}

const tooSlowDetail = (reason: TooSlowReason, deps: GatewayDeps) =>
  reason === "buffer"
    ? `more than ${deps.config.GATEWAY_STREAM_BUFFER_BYTES} bytes waiting for it`
    : `none of the waiting bytes taken for ${deps.config.GATEWAY_STREAM_STALL_MS} ms`;

/** Writes the accepted job's events as OpenAI stream chunks, ending in `[DONE]` or an error event. */
export async function streamEvents(sse: SseResponse, calls: ChoiceCalls, opts: StreamOptions, deps: GatewayDeps) {
  const { requestId, ledger, shape } = opts;
  let waitingForText = true;
  const ping = setInterval(() => {
    if (waitingForText) void sse.comment("ping");
  }, deps.config.GATEWAY_SSE_PING_MS);
  const send = (body: object, seq: number) => {
    if (seq > opts.after) void sse.data(JSON.stringify(body), opts.ids ? streamEventId(requestId, seq) : undefined);
  };
  sse.onTooSlow((reason) => {
    const error = clientTooSlow(tooSlowDetail(reason, deps));
    deps.logger.warn({ requestId, reason, pendingBytes: sse.pendingBytes, code: error.code }, "client too slow; stream dropped and job cancelled");
    ledger.dropped(error);
    sse.drop(JSON.stringify(error.toBody()));
    opts.onTooSlow();
  });
  // Only kept when someone wants the whole answer at the end.
  const choices = opts.onAnswer ? emptyChoices(opts.n, Boolean(opts.logprobs)) : undefined;
  try {
    for (let index = 0; index < opts.n; index++) {
      const start = shape.start(index);
      // The chunk that opens a choice comes from its `accepted`, the first reply.
      if (start) send(start, 1);
    }
    for await (const event of calls.events()) {
      if (choices) recordEvent(choices, event);
      if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") {
        if (waitingForText) ledger.firstOutput();
        waitingForText = false;
        const chunk =
          event.kind === "text"
            ? shape.chunk(event.index, event.text, event.logprobs)
            : event.kind === "reasoning"
              ? shape.reasoning(event.index, event.text)
              : shape.toolCall(event.index, event.call);
        if (chunk) send(chunk, event.seq);
      } else if (event.kind === "finish") {
        send(shape.finish(event.index, event.finishReason), event.seq);
      } else if (event.kind === "complete") {
        // Counted whether or not the client asked to see it.
        ledger.usage(event.usage);
        if (opts.includeUsage) send(shape.usage(event.usage), event.seq);
        sse.end("[DONE]");
        if (choices) opts.onAnswer?.(shape.body(choices, event.usage), event.usage);
      } else {
        // A failure after the 200 was sent: an explicit error event, never a silent close.
        ledger.failed(event.error);
        void sse.data(JSON.stringify(event.error.toBody()));
      }
    }
  } catch (err) {
    const apiError = err instanceof ApiError ? err : internalError(undefined, err);
    deps.logger.error({ err, requestId }, "stream failed");
    ledger.failed(apiError);
    void sse.data(JSON.stringify(apiError.toBody()));
  } finally {
    clearInterval(ping);
    sse.end();
  }
}

/** Queues a job per choice, then answers with one JSON body or an SSE stream ending in `[DONE]`. */
export async function serveGeneration(c: Context<GatewayEnv>, deps: GatewayDeps, req: GenerationRequest): Promise<Response> {
  const priority = requestPriority(c, req.priority);
  const ledger = c.get("ledger");
  ledger.requestedModel(req.model);
  if (req.stream) ledger.streaming();
  ensureServed(deps, req.model);
  await ledger.admit({
    model: req.model,
    promptTokensEstimate: promptBytes(req.input),
    completionTokensLimit: (req.sampling.maxTokens ?? contextSizeOf(deps, req.model)) * req.n,
  });
  // A client too slow for its stream is let go like one that left: the job is cancelled.
  const tooSlow = new AbortController();
  const signal = AbortSignal.any([clientGoneSignal(c), tooSlow.signal, ...(req.signal ? [req.signal] : [])]);
  // One choice's replies are one reply stream, which another gateway can read again in order.
  const keep = req.stream && req.n === 1 && req.resumeShape !== undefined && deps.streams.enabled;
  const requestId = c.get("requestId");
  const calls = await submitChoices(deps.inference, {
    requestId,
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
    keep,
  });
  ledger.servedBy({ provider: "local", workerIds: calls.workerIds });
  const servedBy = () => setResponseHeader(c, HttpHeader.worker, [...calls.workerIds].join(","));
  if (!req.stream) {
    const body = await collectBody(calls, req, ledger);
    servedBy();
    return c.json(body);
  }

  servedBy();
  if (keep) {
    deps.streams.record({
      v: 1,
      requestId,
      gatewayId: deps.edge.gatewayId,
      keyId: ledger.caller.keyId,
      method: c.req.method,
      path: c.req.path,
      at: Date.now(),
      promptParam: req.promptParam,
      shape: req.resumeShape!,
    });
  }
  const sse = new SseResponse(c.env.outgoing, sseBounds(deps));
  sse.open(responseHeaders(c));
  const { shape, n, includeUsage, onAnswer } = req;
  void streamEvents(sse, calls, { requestId, ledger, shape, n, includeUsage, onAnswer, logprobs: Boolean(req.logprobs), ids: keep, after: 0, onTooSlow: () => tooSlow.abort() }, deps);
  return RESPONSE_ALREADY_SENT;
}
