import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager, type Consumer, type JsMsg } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { closeNats, connectNats, ensureEventsStream, ensureModelsStream, openModelStore } from "@lantern/shared/nats";
import type { FetcherConfig } from "./config.js";
import { HubClient } from "./hub/hub-client.js";
import { ActiveDownloads } from "./pull/active-downloads.js";
import { PullEventPublisher } from "./pull/pull-events.js";
import { runPull, type PullContext } from "./pull/run-pull.js";
import { ensureFetcherConsumer, PULL_ACK_WAIT_MS } from "./queue/fetcher-consumer.js";
import { decodePullCommand } from "./queue/pull-command-decoder.js";
import { seedModelsDir } from "./seed/seed-models-dir.js";
import { answerPresetRequests } from "./presets/preset-responder.js";
import { PullCancels } from "./pull/pull-cancels.js";

export interface ModelFetcher {
  readonly id: string;
  /** Stops taking pulls; pulls in progress are left to resume (their `.part` files stay, their commands are redelivered). */
  stop(): Promise<void>;
  /** Resolves once no pull ran for FETCHER_EXIT_WHEN_IDLE_MS (never when that is 0). */
  readonly idle: Promise<void>;
}

interface StartModelFetcherOptions {
  config: FetcherConfig;
  logger: Logger;
  /** An open connection to use (not closed by stop); without it the fetcher connects to config.NATS_URL itself. */
  nc?: NatsConnection;
}

/** How long one wait for a command lasts; also about how long `stop()` takes when idle. */
const PULL_WAIT_MS = 1_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Seeds an empty models dir with the bundled model, then takes pull commands from the MODELS
 * work queue (FETCHER_CONCURRENCY at a time) and publishes each pull's events.
 */
export async function startModelFetcher(opts: StartModelFetcherOptions): Promise<ModelFetcher> {
  const { config } = opts;
  const logger = opts.logger.child({ component: "model-fetcher", fetcherId: config.FETCHER_ID });
  const names = natsNames(config.NATS_NAMESPACE);
  await seedModelsDir(config.MODELS_DIR, config.FETCHER_SEED_MODEL, logger);

  const nc = opts.nc ?? (await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: `model-fetcher-${config.FETCHER_ID}`, logger })).nc;
  const jsm = await jetstreamManager(nc);
  await ensureModelsStream(jsm, names);
  await ensureEventsStream(jsm, names);
  const durable = await ensureFetcherConsumer(jsm, names);
  const js = jetstream(nc);

  const abort = new AbortController();
  let store: Promise<ObjectStore> | undefined;
  const ctx: PullContext = {
    config,
    hub: new HubClient({ endpoint: config.HF_ENDPOINT, token: config.HF_TOKEN }),
    events: new PullEventPublisher({ js, names, fetcherId: config.FETCHER_ID, logger }),
    active: new ActiveDownloads(),
    modelStore: () => {
      store ??= openModelStore(nc, names).catch((err: unknown) => {
        store = undefined;
        throw err;
      });
      return store;
    },
    logger,
    signal: abort.signal,
  };

  const cancels = new PullCancels();
  const inFlight = new Set<Promise<void>>();
  let slotFreed: (() => void) | null = null;

  const handle = async (msg: JsMsg) => {
    // Keeps the command ours through a long download; without it JetStream would hand it to another fetcher.
    const keepClaim = setInterval(() => msg.working(), PULL_ACK_WAIT_MS / 3);
    try {
      const decoded = decodePullCommand(msg.data);
      if (!decoded.ok) {
        logger.warn({ pullId: decoded.pullId, reason: decoded.reason, seq: msg.seq }, "terminating an invalid pull command");
        if (decoded.pullId) await ctx.events.publish(decoded.pullId, { type: "model.pull.failed", error: { code: "invalid_request", message: decoded.reason } });
        // No reason text: nats-server 2.9 does not understand `+TERM <reason>`.
        msg.term();
        return;
      }
      const cancel = cancels.track(decoded.command.pullId);
      let outcome;
      try {
        outcome = await runPull(decoded.command, { ...ctx, signal: AbortSignal.any([abort.signal, cancel.signal]), cancelled: cancel.signal });
      } finally {
        cancel.done();
      }
      if (outcome === "settled") msg.ack();
      else msg.nak();
    } catch (err) {
      logger.error({ err, seq: msg.seq }, "pull handling failed; the command goes back to the queue");
      msg.nak();
    } finally {
      clearInterval(keepClaim);
    }
  };

  let lastBusyAt = Date.now();
  let wentIdle: () => void = () => {};
  const idle = new Promise<void>((resolve) => (wentIdle = resolve));
  const run = async () => {
    let consumer: Consumer | null = null;
    let delay = RETRY_MIN_MS;
    while (!abort.signal.aborted) {
      if (inFlight.size > 0) lastBusyAt = Date.now();
      else if (config.FETCHER_EXIT_WHEN_IDLE_MS > 0 && Date.now() - lastBusyAt >= config.FETCHER_EXIT_WHEN_IDLE_MS) {
        wentIdle();
        await new Promise<void>((resolve) => abort.signal.addEventListener("abort", () => resolve(), { once: true }));
        break;
      }
      if (inFlight.size >= config.FETCHER_CONCURRENCY) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      try {
        consumer ??= await js.consumers.get(names.streams.models, durable);
        // Asks for one command only when a slot is free, so no fetcher holds pulls it cannot start.
        const msg = await consumer.next({ expires: PULL_WAIT_MS });
        delay = RETRY_MIN_MS;
        if (!msg) continue;
        if (abort.signal.aborted) {
          msg.nak();
          break;
        }
        const job = handle(msg).finally(() => {
          lastBusyAt = Date.now();
          inFlight.delete(job);
          slotFreed?.();
          slotFreed = null;
        });
        inFlight.add(job);
      } catch (err) {
        if (abort.signal.aborted) break;
        logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay }, "taking pull commands failed; retrying");
        consumer = null;
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => {});
        delay = Math.min(RETRY_MAX_MS, delay * 2);
        // The stream or consumer may have been deleted (a wiped NATS): put both back.
        await ensureModelsStream(jsm, names)
          .then(() => ensureFetcherConsumer(jsm, names))
          .catch(() => {});
      }
    }
  };

  const presets = answerPresetRequests(nc, names, logger);
  const cancelRequests = cancels.answer(nc, names, config.FETCHER_ID, logger);
  const running = run();
  logger.info({ durable, modelsDir: config.MODELS_DIR, endpoint: config.HF_ENDPOINT, concurrency: config.FETCHER_CONCURRENCY }, "model fetcher started");

  return {
    id: config.FETCHER_ID,
    idle,
    async stop() {
      abort.abort();
      presets.unsubscribe();
      cancelRequests.unsubscribe();
      slotFreed?.();
      await running;
      await Promise.all(inFlight);
      if (opts.nc) await nc.flush().catch(() => {});
      else await closeNats(nc);
      logger.info("model fetcher stopped");
    },
  };
}
