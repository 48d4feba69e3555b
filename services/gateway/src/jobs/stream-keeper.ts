import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames, StreamRecord } from "@lantern/shared/contracts";
import { followKeptReplies, publishStreamRecord, readStreamRecord } from "@lantern/shared/inference";
import type { Logger } from "@lantern/shared/logging";
import { edgeInferenceErrors, type InferenceCall } from "./inference-client.js";

interface StreamKeeperOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  /** How long kept replies live (stream REPLIES' max age); 0: streams are not kept. */
  windowS: number;
  stallTimeoutMs: number;
  logger: Logger;
}

/** The gateway's side of resumable streams: marking a stream kept, and following one kept elsewhere. */
export class StreamKeeper {
  constructor(private readonly opts: StreamKeeperOptions) {}

  get enabled(): boolean {
    return this.opts.windowS > 0;
  }

  get windowS(): number {
    return this.opts.windowS;
  }

  record(record: StreamRecord): void {
    publishStreamRecord(this.opts.nc, this.opts.names, record);
  }

  lookup(requestId: string): Promise<StreamRecord | null> {
    if (!this.enabled) return Promise.resolve(null);
    return readStreamRecord(this.opts.jsm, this.opts.names, requestId);
  }

  /** The stream's call from its first reply on; null when none is kept. Aborting `signal` stops following and cancels the job. */
  follow(record: StreamRecord, signal: AbortSignal): Promise<InferenceCall | null> {
    const { nc, js, names, stallTimeoutMs, logger } = this.opts;
    return followKeptReplies({
      nc,
      js,
      names,
      requestId: record.requestId,
      stallTimeoutMs,
      promptParam: record.promptParam,
      errors: edgeInferenceErrors,
      signal,
      logger,
    });
  }
}
