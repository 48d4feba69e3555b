import type { KV } from "@nats-io/kv";
import { AnswerObject, CachedAnswer, decodeMessage, encodeMessage, type TokenUsage } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { CacheDecision } from "./cache-decision.js";

/** A complete non-streamed body, as JSON text, and what kind of answer it is. */
export interface AnswerBody {
  object: AnswerObject;
  body: string;
}

/** The answer body of a parsed OpenAI response, if it is one (a chat or text completion). */
export function answerBodyOf(parsed: unknown, text?: string): AnswerBody | undefined {
  const object = AnswerObject.safeParse((parsed as { object?: unknown } | null)?.object);
  if (!object.success || !Array.isArray((parsed as { choices?: unknown }).choices)) return undefined;
  return { object: object.data, body: text ?? JSON.stringify(parsed) };
}

interface AnswerToKeep extends AnswerBody {
  usage: TokenUsage;
  provider: string;
}

/**
 * Answers kept in KV `cache`, shared by every gateway replica. The cache never fails a request:
 * an unreadable entry or an unreachable bucket is a miss, a failed store is only logged.
 */
export class ResponseCache {
  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async lookup({ key, ttlMs, requestId }: Pick<CacheDecision, "key" | "ttlMs" | "requestId">): Promise<CachedAnswer | undefined> {
    try {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== "PUT") return undefined;
      const answer = decodeMessage(CachedAnswer, entry.value);
      const now = Date.now();
      // Stored under a longer TTL (the key's policy since changed, or the open-mode setting), it is
      // still no older than this request's own TTL allows.
      return answer.expiresAt > now && answer.storedAt + ttlMs > now ? answer : undefined;
    } catch (err) {
      this.logger.warn({ err, key, requestId }, "cache lookup failed; treated as a miss");
      return undefined;
    }
  }

  /** Stores in the background: the response never waits on it. */
  keep(decision: CacheDecision, answer: AnswerToKeep): void {
    const storedAt = Date.now();
    const value: CachedAnswer = { v: 1, ...answer, storedAt, expiresAt: storedAt + decision.ttlMs };
    this.kv.put(decision.key, encodeMessage(CachedAnswer, value)).catch((err: unknown) => {
      this.logger.warn({ err, key: decision.key, requestId: decision.requestId }, "could not store an answer in the cache");
    });
  }
}
