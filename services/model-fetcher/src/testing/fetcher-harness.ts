import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPullCommand, ModelPullEvent, natsNames, type NatsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureModelsStream } from "@lantern/shared/nats";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { FetcherConfig } from "../config.js";
import { startModelFetcher, type ModelFetcher } from "../fetcher-service.js";

type PullTargetInput = ModelPullCommand["target"];

interface PullWatch {
  pullId: string;
  events: ModelPullEvent[];
  /** Resolves with the done or failed event. */
  finished: Promise<Extract<ModelPullEvent, { type: "model.pull.done" | "model.pull.failed" }>>;
}

/**
 * A fetcher test bed: its own NATS namespace, models dirs under one temp dir, fetchers started
 * with test-friendly settings, and pulls whose events are collected.
 */
export class FetcherHarness {
  readonly fetchers = new Set<ModelFetcher>();
  /** Every log line any fetcher wrote. */
  readonly logs: string[] = [];
  private readonly subscriptions: { unsubscribe(): void }[] = [];

  private constructor(
    readonly testNats: TestNats,
    readonly nc: NatsConnection,
    readonly names: NatsNames,
    readonly root: string,
  ) {}

  static async start(label: string): Promise<FetcherHarness> {
    const testNats = await useTestNats(label);
    const { nc } = await connectNats({ url: testNats.url, name: `${label}-test`, logger: createLogger({ service: "test", level: "silent" }) });
    const root = await mkdtemp(join(tmpdir(), `lantern-${label}-`));
    return new FetcherHarness(testNats, nc, natsNames(testNats.namespace), root);
  }

  /** A fresh, empty models dir. */
  async modelsDir(): Promise<string> {
    return mkdtemp(join(this.root, "models-"));
  }

  config(env: Record<string, string>): FetcherConfig {
    return FetcherConfig.parse({
      NATS_URL: this.testNats.url,
      NATS_NAMESPACE: this.testNats.namespace,
      FETCHER_SEED_MODEL: "",
      FETCHER_PROGRESS_INTERVAL_MS: "50",
      FETCHER_RETRY_DELAY_MS: "20",
      FETCHER_DISK_HEADROOM: "1MiB",
      ...env,
    });
  }

  async startFetcher(env: Record<string, string>): Promise<ModelFetcher> {
    const logs = this.logs;
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const fetcher = await startModelFetcher({ config: this.config(env), logger: createLogger({ service: "model-fetcher", level: "debug", destination }), nc: this.nc });
    this.fetchers.add(fetcher);
    return fetcher;
  }

  async stopFetcher(fetcher: ModelFetcher): Promise<void> {
    this.fetchers.delete(fetcher);
    await fetcher.stop();
  }

  async stopAll(): Promise<void> {
    for (const fetcher of [...this.fetchers]) await this.stopFetcher(fetcher);
  }

  /** Starts watching a pull's events (before the command is sent, so none is missed). */
  watch(pullId: string): PullWatch {
    const events: ModelPullEvent[] = [];
    let resolve!: PullWatch["finished"] extends Promise<infer T> ? (event: T) => void : never;
    const finished = new Promise<Parameters<typeof resolve>[0]>((r) => (resolve = r));
    const sub = this.nc.subscribe(this.names.subjects.modelPullEvents(pullId), {
      callback: (_err, msg) => {
        const event = decodeMessage(ModelPullEvent, msg.data);
        events.push(event);
        if (event.type === "model.pull.done" || event.type === "model.pull.failed") resolve(event);
      },
    });
    this.subscriptions.push(sub);
    return { pullId, events, finished };
  }

  /** Sends a pull command and returns its event watch. */
  async pull(target: PullTargetInput, extra: Partial<Pick<ModelPullCommand, "name" | "distribute">> = {}): Promise<PullWatch> {
    const pullId = `p${randomBytes(6).toString("hex")}`;
    const watch = this.watch(pullId);
    await this.nc.flush();
    await this.sendRaw(encodeMessage(ModelPullCommand, { v: 1, pullId, target, requestedAt: Date.now(), ...extra }), pullId);
    return watch;
  }

  /** Publishes any bytes as a pull command, as a broken client might. */
  async sendRaw(data: Uint8Array, msgID = `raw${randomBytes(6).toString("hex")}`): Promise<void> {
    // The stream exists once a fetcher started; a test may send before that.
    await ensureModelsStream(await jetstreamManager(this.nc), this.names);
    await jetstream(this.nc).publish(this.names.subjects.modelPull, data, { msgID });
  }

  /** Commands neither acknowledged nor waiting: none left means every command was settled. */
  async queueIsEmpty(): Promise<boolean> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.names.streams.models);
    return info.state.messages === 0;
  }

  async waitForQueueEmpty(): Promise<void> {
    await waitFor(() => this.queueIsEmpty(), 30_000, "the MODELS queue to empty");
  }

  async close(): Promise<void> {
    for (const sub of this.subscriptions) sub.unsubscribe();
    for (const fetcher of this.fetchers) await fetcher.stop().catch(() => {});
    const jsm = await jetstreamManager(this.nc);
    for (const stream of [this.names.streams.models, this.names.streams.events]) await jsm.streams.delete(stream).catch(() => {});
    await new Objm(this.nc).open(this.names.objectStores.models).then((store) => store.destroy()).catch(() => {});
    await this.nc.close();
    await this.testNats.stop();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Narrows to the done event; a failed one fails the test with its code and message. */
export function expectDone(event: ModelPullEvent): asserts event is Extract<ModelPullEvent, { type: "model.pull.done" }> {
  if (event.type === "model.pull.failed") throw new Error(`expected the pull to be done, it failed: ${event.error.code}: ${event.error.message}`);
  if (event.type !== "model.pull.done") throw new Error(`expected a done event, got ${event.type}`);
}
