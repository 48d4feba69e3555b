import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { HttpHeader, LOCAL_PROVIDER, type CachedAnswer, type TokenUsage } from "@lantern/shared/contracts";
import { MessageAssembly } from "../anthropic/message-assembly.js";
import { assembleChatBody, chatBodyOf } from "../anthropic/openai-answer.js";
import { CACHE_HEADER } from "../cache/cache-decision.js";
import { answerBodyOf } from "../cache/response-cache.js";
import type { CancelSignal } from "../context/cancel-signal.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { setResponseHeader } from "../context/response-headers.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import type { Delivery, Renderer, UpstreamAnswer, UpstreamRefusal } from "../serving/generation.js";
import { collectMessage, streamMessage } from "./anthropic-fleet.js";
import { AnthropicSse } from "./anthropic-sse.js";
import { relayUpstreamMessage, upstreamChatBody } from "./anthropic-upstream.js";
import { refusalError } from "./ws-upstream-chat.js";

/** How the Anthropic answer is drawn: its id and model, streamed or whole. */
interface AnthropicRendering {
  id: string;
  model: string;
  stream: boolean;
  /** `thinking: disabled`: no thinking blocks, even from a template that opens every reply in a thought. */
  omitThinking: boolean;
}

/**
 * Renders a generation as Anthropic's Messages API answers it: one `message` body, or its
 * server-sent events (`message_start` ... `message_stop`, an `error` event when it fails after
 * the 200 went out). Cached and upstream answers, kept and given in OpenAI's chat shape, are
 * read into the same message. Not resumable: Anthropic's protocol has no way to ask.
 */
export class AnthropicRenderer implements Renderer<Response> {
  started = false;

  constructor(
    private readonly c: Context<GatewayEnv>,
    private readonly deps: GatewayDeps,
    private readonly rendering: AnthropicRendering,
    /** Aborted here when a stream's client reads too slowly: the job is cancelled as if it had left. */
    private readonly cancel: CancelSignal,
  ) {}

  private get ledger() {
    return this.c.get("ledger");
  }

  private assembly(out?: AnthropicSse): MessageAssembly {
    const { id, model, omitThinking } = this.rendering;
    return new MessageAssembly({ id, model, omitThinking }, out?.send);
  }

  private stream(): AnthropicSse {
    const out = new AnthropicSse(this.c, this.deps, () => this.cancel.abort());
    out.open();
    this.started = true;
    return out;
  }

  /** A whole answer at once, as a body or as the stream that would have carried it. */
  private answer(fill: (assembly: MessageAssembly) => void, usage: TokenUsage): Response {
    this.ledger.firstOutput();
    this.ledger.usage(usage);
    if (!this.rendering.stream) {
      const assembly = this.assembly();
      fill(assembly);
      this.started = true;
      return this.c.json(assembly.end(usage));
    }
    const out = this.stream();
    const assembly = this.assembly(out);
    assembly.start(usage.promptTokens);
    fill(assembly);
    assembly.end(usage);
    out.end();
    return RESPONSE_ALREADY_SENT;
  }

  cacheMiss(): void {
    setResponseHeader(this.c, CACHE_HEADER, "miss");
  }

  cached(hit: CachedAnswer): Response {
    this.ledger.servedBy({ provider: hit.provider, cacheHit: true });
    setResponseHeader(this.c, CACHE_HEADER, "hit");
    setResponseHeader(this.c, PROVIDER_HEADER, hit.provider);
    const body = JSON.parse(hit.body) as Record<string, unknown>;
    return this.answer((assembly) => assembleChatBody(body, assembly), hit.usage);
  }

  resumable(): undefined {
    return undefined;
  }

  async fleet(calls: ChoiceCalls, delivery: Delivery): Promise<Response> {
    const { c, rendering } = this;
    if (delivery.routed) setResponseHeader(c, PROVIDER_HEADER, LOCAL_PROVIDER);
    setResponseHeader(c, HttpHeader.worker, [...calls.workerIds].join(","));
    const keep = (assembly: MessageAssembly, usage: TokenUsage) => {
      if (!delivery.keep) return;
      const { choice, stopSequence } = assembly.chatChoice;
      if (choice.finishReason === "cancelled") return;
      const answer = answerBodyOf(chatBodyOf(choice, stopSequence, { id: `chatcmpl-${c.get("requestId")}`, model: rendering.model }, usage));
      if (answer) delivery.keep(answer, usage);
    };
    if (!rendering.stream) {
      const assembly = this.assembly();
      let usage: TokenUsage;
      try {
        usage = await collectMessage(calls, assembly, this.ledger);
      } catch (err) {
        // A route may still try its next step: nothing of this one is left on the response.
        setResponseHeader(c, PROVIDER_HEADER, undefined);
        setResponseHeader(c, HttpHeader.worker, undefined);
        throw err;
      }
      this.started = true;
      keep(assembly, usage);
      return c.json(assembly.end(usage));
    }
    const out = this.stream();
    const assembly = this.assembly(out);
    void streamMessage(out, calls, assembly, { ledger: this.ledger, pingMs: this.deps.config.GATEWAY_SSE_PING_MS, onComplete: (usage) => keep(assembly, usage) });
    return RESPONSE_ALREADY_SENT;
  }

  async upstream(attempt: UpstreamAnswer, delivery: Delivery): Promise<Response> {
    this.ledger.servedBy({ provider: attempt.provider });
    setResponseHeader(this.c, PROVIDER_HEADER, attempt.provider);
    if (attempt.kind === "answer") {
      const { body, usage } = upstreamChatBody(attempt, delivery.keep);
      return this.answer((assembly) => assembleChatBody(body, assembly), usage);
    }
    const out = this.stream();
    await relayUpstreamMessage(attempt, out, this.assembly(out), { ledger: this.ledger, cancel: this.cancel, keep: delivery.keep });
    return RESPONSE_ALREADY_SENT;
  }

  refusal(refusal: UpstreamRefusal): never {
    this.ledger.servedBy({ provider: refusal.provider });
    setResponseHeader(this.c, PROVIDER_HEADER, refusal.provider);
    if (refusal.retryAfter) setResponseHeader(this.c, "retry-after", refusal.retryAfter);
    throw refusalError(refusal);
  }
}
