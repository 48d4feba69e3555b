import { ChatCompletionRequest } from "@lantern/shared/contracts";
import { decideCaching } from "../cache/cache-decision.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { TrackedLedger } from "../edge/tracked-ledger.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import { openAiUsage } from "../openai/response-shapes.js";
import { chatJob } from "../openai/to-job.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import type { ChatFrame } from "../render/ws-chat-output.js";
import { WsChatRenderer } from "../render/ws-chat-renderer.js";
import { serveGeneration } from "../serving/serve-generation.js";
import { CHAT_SOCKET_PATH } from "./chat-path.js";

interface ChatGeneration {
  requestId: string;
  /** The chat completion body the frame amounts to (model, messages and params). */
  body: Record<string, unknown>;
  ledger: TrackedLedger;
  /** Aborted by a `stop` frame, a `reset`, or the socket closing: the job is withdrawn or cancelled. */
  signal: AbortSignal;
  send(frame: ChatFrame): void;
}

/** What the chat produced, for the socket's history; null when it failed or was stopped. */
interface ChatAnswer {
  content: string;
  reasoning: string;
}

/**
 * One chat on a socket, served as a streamed `/v1/chat/completions` is (the same serving
 * function: admission, cache, route steps with fallback, the fleet), its output as `delta`
 * frames, then `done` with the usage and the workers that served it, or `error`; one usage
 * event when it ends (status 200, the error's status, or 499 when stopped).
 */
export async function streamChat(deps: GatewayDeps, gen: ChatGeneration): Promise<ChatAnswer | null> {
  const { ledger, send } = gen;
  let status = 499;
  const renderer = new WsChatRenderer({ requestId: gen.requestId, ledger, signal: gen.signal, path: CHAT_SOCKET_PATH, send });
  try {
    // As a streamed chat completion: an upstream step is asked to stream too.
    const object = { ...gen.body, stream: true };
    const req = ChatCompletionRequest.parse(object);
    const request = chatJob(req);
    const turn = await serveGeneration(
      deps,
      {
        requestId: gen.requestId,
        ledger,
        model: req.model,
        job: request.job,
        n: request.n,
        priority: req.priority ?? "normal",
        promptParam: request.promptParam,
        stream: true,
        upstream: proxiedRequest("/chat/completions", { object, text: JSON.stringify(object) }),
        // The same fields make the same key as on `/v1/chat/completions`.
        cache: decideCaching(ledger.caller, gen.requestId, { scope: "/chat/completions", request: gen.body, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S }),
        // A chat on a socket comes from a client, never from another gateway.
        hops: 0,
        cancel: gen.signal,
      },
      renderer,
    );
    ledger.usage(turn.usage);
    const workers = turn.workerIds?.length ? { worker_ids: turn.workerIds } : {};
    send({ type: "done", usage: openAiUsage(turn.usage), finish_reason: turn.finishReason, ...workers });
    status = 200;
    return { content: renderer.out.content, reasoning: renderer.out.reasoning };
  } catch (err) {
    if (err instanceof ClientGoneError || gen.signal.aborted) {
      send({ type: "done", usage: null, finish_reason: "cancelled" });
      return null;
    }
    const apiError = err instanceof ApiError ? err : toApiError(err);
    if (apiError.status >= 500 && !(err instanceof ApiError)) deps.logger.error({ err, requestId: gen.requestId }, "chat on a socket failed");
    ledger.failed(apiError);
    status = apiError.status;
    send({ type: "error", error: apiError.toBody().error });
    return null;
  } finally {
    ledger.finish(status);
  }
}
