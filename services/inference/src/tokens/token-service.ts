import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  MessageDecodeError,
  TokensReply,
  TokensRequest,
  type InferInput,
  type ModelToken,
  type NatsNames,
  type TokenPiece,
  type TokensError,
  type TokensResult,
  type ToolUse,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { InvalidParameterError } from "../invalid-parameter-error.js";

/** What one engine's model answers about its tokens; throws InvalidParameterError for a value it cannot take. */
export interface TokenOps {
  tokenize(content: string, opts: { addSpecial: boolean; parseSpecial: boolean }): number[];
  /** The piece of each token, in order. */
  pieces(tokens: readonly number[]): TokenPiece[];
  detokenize(tokens: readonly number[]): string;
  /** Prompt tokens a generation of `input` would evaluate (chat or completion). */
  count(input: InferInput, tools: ToolUse | undefined): number;
}

interface TokenServiceOptions {
  nc: NatsConnection;
  names: NatsNames;
  model: string;
  token: ModelToken;
  ops: TokenOps;
  logger: Logger;
}

/** Answers a loaded model's tokens requests until stopped. */
export interface TokenService {
  stop(): void;
}

/**
 * Subscribes to the model's tokens subject in the workers' queue group, so one worker serving the
 * model answers each request. Work is a synchronous native call, so a request never overlaps the
 * model's unloading: the subscription ends before the model is freed.
 */
export function answerTokens(opts: TokenServiceOptions): TokenService {
  const log = opts.logger.child({ model: opts.model, component: "tokens" });
  let sub: Subscription | undefined = opts.nc.subscribe(opts.names.subjects.tokens(opts.token), {
    queue: opts.names.queueGroups.tokenizers,
    callback: (err, msg) => {
      if (err) return log.warn({ err }, "tokens subscription failed");
      respond(msg, answer(msg.data, opts, log), opts.nc.info?.max_payload, log);
    },
  });
  return {
    stop() {
      sub?.unsubscribe();
      sub = undefined;
    },
  };
}

const failure = (code: TokensError["code"], message: string, param: string | null = null): TokensReply => ({
  v: 1,
  ok: false,
  error: { code, message, param },
});

function answer(data: Uint8Array, opts: TokenServiceOptions, log: Logger): TokensReply {
  let request: TokensRequest;
  try {
    request = decodeMessage(TokensRequest, data);
  } catch (err) {
    return failure("invalid_request", err instanceof MessageDecodeError ? err.message : "unreadable tokens request");
  }
  // A model's token collides with another's only by a digest clash; never answer for the wrong one.
  if (request.model !== opts.model) return failure("model_not_loaded", `This worker does not serve '${request.model}'.`);
  try {
    return { v: 1, ok: true, result: run(request, opts.ops) };
  } catch (err) {
    if (err instanceof InvalidParameterError) return failure("invalid_parameter", err.message, err.param);
    log.error({ err, op: request.op }, "tokens request failed");
    return failure("internal", `The ${request.op} request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function run(request: TokensRequest, ops: TokenOps): TokensResult {
  switch (request.op) {
    case "tokenize": {
      const tokens = ops.tokenize(request.content, request);
      return { op: "tokenize", tokens, ...(request.withPieces ? { pieces: ops.pieces(tokens) } : {}) };
    }
    case "detokenize":
      return { op: "detokenize", content: ops.detokenize(request.tokens) };
    case "count":
      if (request.input.kind === "embed") throw new InvalidParameterError("input", "Only a chat or a completion prompt can be counted.");
      return { op: "count", promptTokens: ops.count(request.input, request.tools) };
  }
}

/** Sends the reply, or a short error when the reply would not fit in one message. */
function respond(msg: Msg, reply: TokensReply, maxPayload: number | undefined, log: Logger): void {
  let data = encodeMessage(TokensReply, reply);
  if (maxPayload !== undefined && data.length > maxPayload) {
    data = encodeMessage(TokensReply, failure("too_large", `The answer (${data.length} bytes) is larger than one message may be (${maxPayload}); send less text at once.`));
  }
  try {
    msg.respond(data);
  } catch (err) {
    log.warn({ err }, "could not answer a tokens request");
  }
}
