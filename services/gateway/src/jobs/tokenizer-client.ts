import { RequestError, TimeoutError } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  natsNames,
  toModelToken,
  TokensReply,
  TokensRequest,
  type InferInput,
  type TokenPiece,
  type TokensError,
  type TokensOp,
  type TokensResult,
  type ToolUse,
} from "@lantern/shared/contracts";
import type { NatsLink } from "@lantern/shared/nats";
import type { GatewayConfig } from "../config.js";
import { ApiError, internalError, invalidRequest, noCapacity, upstreamTimeout } from "../errors/api-error.js";
import { ensureServedBy } from "../workers/ensure-served.js";
import type { WorkerRegistry } from "../workers/worker-registry.js";

/** What the tokenizer calls need; GatewayDeps has all of it, so routes pass their `deps`. */
export interface TokenizerDeps {
  nats: NatsLink;
  registry: WorkerRegistry;
  config: Pick<GatewayConfig, "NATS_NAMESPACE">;
}

/** Tokenizing is a native call on a loaded model: a worker that takes longer than this is stuck or gone. */
const TOKENS_TIMEOUT_MS = 10_000;

interface TokenizeOptions {
  addSpecial?: boolean;
  /** Default true, as llama.cpp's server: `<s>` in the text becomes the BOS token. */
  parseSpecial?: boolean;
  withPieces?: boolean;
}

interface Tokenized {
  tokens: number[];
  /** With `withPieces`: the piece of each token, in order. */
  pieces?: TokenPiece[] | undefined;
}

/** The model's token ids for `content` (and each token's piece when asked). */
export async function tokenize(deps: TokenizerDeps, model: string, content: string, opts: TokenizeOptions = {}): Promise<Tokenized> {
  const result = await askTokenizer(deps, {
    v: 1,
    op: "tokenize",
    model,
    content,
    addSpecial: opts.addSpecial ?? false,
    parseSpecial: opts.parseSpecial ?? true,
    withPieces: opts.withPieces ?? false,
  });
  return { tokens: result.tokens, pieces: result.pieces };
}

/** The text of the model's tokens `tokens`; special tokens appear as their text (`<s>`). */
export async function detokenize(deps: TokenizerDeps, model: string, tokens: number[]): Promise<string> {
  return (await askTokenizer(deps, { v: 1, op: "detokenize", model, tokens })).content;
}

/**
 * The prompt tokens a generation of `input` (offering `tools`) would evaluate on `model`: the
 * number its usage would report as prompt tokens. Throws the ApiErrors generation throws for a
 * model that is not served (404, 503), and 400 naming `input` or `tools` for what the model
 * cannot count.
 */
export async function countPromptTokens(deps: TokenizerDeps, model: string, input: InferInput, tools?: ToolUse): Promise<number> {
  return (await askTokenizer(deps, { v: 1, op: "count", model, input, ...(tools ? { tools } : {}) })).promptTokens;
}

type ResultOf<Op extends TokensOp> = Extract<TokensResult, { op: Op }>;

/** One request to whichever worker of the model answers first; every failure becomes an ApiError. */
async function askTokenizer<R extends TokensRequest>(deps: TokenizerDeps, request: R): Promise<ResultOf<R["op"]>> {
  ensureServedBy(deps.registry, request.model);
  const { nc } = deps.nats;
  const data = encodeMessage(TokensRequest, request);
  const maxPayload = nc.info?.max_payload;
  if (maxPayload !== undefined && data.length > maxPayload) {
    throw new ApiError(413, "invalid_request_error", `The request is too large to tokenize at once (${data.length} bytes; at most ${maxPayload}).`, {
      code: "request_too_large",
    });
  }
  const subject = natsNames(deps.config.NATS_NAMESPACE).subjects.tokens(toModelToken(request.model));
  let answer: TokensReply;
  try {
    answer = decodeMessage(TokensReply, (await nc.request(subject, data, { timeout: TOKENS_TIMEOUT_MS })).data);
  } catch (err) {
    throw transportError(err, request.model);
  }
  if (!answer.ok) throw fromWorker(answer.error);
  if (answer.result.op !== request.op) throw internalError(`The worker answered a ${request.op} request with a ${answer.result.op} result.`);
  return answer.result as ResultOf<R["op"]>;
}

function transportError(err: unknown, model: string): ApiError {
  if (err instanceof RequestError && err.isNoResponders()) {
    // Workers list the model but none has it loaded right now (loading, or unloaded for idling).
    return noCapacity(`No worker has '${model}' loaded right now to tokenize with; try again shortly.`, 2);
  }
  if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
    return upstreamTimeout(`No worker answered the tokenizer request for '${model}' within ${TOKENS_TIMEOUT_MS} ms.`);
  }
  return internalError(undefined, err);
}

function fromWorker(error: TokensError): ApiError {
  switch (error.code) {
    case "invalid_request":
    case "invalid_parameter":
      return invalidRequest(error.message, error.param, "invalid_value");
    case "too_large":
      return new ApiError(413, "invalid_request_error", error.message, { param: error.param, code: "request_too_large" });
    case "model_not_loaded":
      return noCapacity(error.message, 1);
    default:
      return internalError(error.message);
  }
}
