import type { KV } from "@nats-io/kv";
import { ModelPrice, toModelToken } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { KvMirror } from "../nats/kv-mirror.js";

const MODEL_TOKENS_KEPT = 1_000;

/** Per-model prices, mirrored from KV `prices` (written by the admin service). */
export class PriceBook {
  private readonly mirror: KvMirror<typeof ModelPrice>;
  private readonly modelTokens = new Map<string, string>();

  constructor(prices: KV, logger: Logger) {
    this.mirror = new KvMirror(prices, ModelPrice, logger, "prices");
  }

  start(): Promise<void> {
    return this.mirror.start();
  }

  stop(): void {
    this.mirror.stop();
  }

  /** Undefined for a model without a price: its tokens are free. */
  priceOf(model: string): ModelPrice | undefined {
    return this.mirror.get(this.tokenOf(model));
  }

  /** Model tokens are a hash of the name: remembered for the few names in use (twice a request). */
  private tokenOf(model: string): string {
    let token = this.modelTokens.get(model);
    if (token === undefined) {
      if (this.modelTokens.size >= MODEL_TOKENS_KEPT) this.modelTokens.clear();
      token = toModelToken(model);
      this.modelTokens.set(model, token);
    }
    return token;
  }
}
