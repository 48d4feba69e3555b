/**
 * Starts the model fetcher when there is work for it rather than with the stack (an idle fetcher
 * holds ~70-100 MiB): at once when pulls already wait in the MODELS queue (queued while the stack was
 * down) or the models dir has no model for it to seed, else on the first pull command published (by
 * admin's pull API or the web app; the models CLI runs a fetcher of its own when none takes its pull).
 * The command waits in the work queue meanwhile, so the fetcher started for it takes it. Once started,
 * the fetcher is supervised like every other child until it exits on its own after minutes without a
 * pull (FETCHER_EXIT_WHEN_IDLE_MS); the next pull starts it again.
 */
import { readdirSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames } from "@lantern/shared/contracts/nats-names";

export interface FetcherOnDemandOptions {
  natsUrl: string;
  namespace?: string | undefined;
  modelsDir: string;
  /** Adds the fetcher to the stack. */
  start: (why: string) => Promise<void>;
}

export interface FetcherOnDemand {
  /** The fetcher exited, its work done (idle): the next pull, or one already queued, starts it again. */
  fetcherDone(): Promise<void>;
  /** Stops watching (the fetcher, when started, is stopped with the stack). */
  close(): Promise<void>;
}

export async function startFetcherOnDemand(opts: FetcherOnDemandOptions): Promise<FetcherOnDemand> {
  const names = natsNames(opts.namespace);
  let running = false;
  const startFetcher = async (why: string) => {
    if (running) return;
    running = true;
    await opts.start(why);
  };

  if (!hasModelFile(opts.modelsDir)) await startFetcher("the models dir has no model yet");
  const nc = await connect({ servers: opts.natsUrl, name: "lantern-stack-fetcher-watch", maxReconnectAttempts: -1 });
  const subscription = nc.subscribe(names.subjects.modelPull, { callback: () => void startFetcher("a pull was asked for") });
  if ((await queuedPulls(nc, names.streams.models)) > 0) await startFetcher("pulls are waiting in the queue");
  return {
    async fetcherDone() {
      running = false;
      // A pull asked for while it was on its way out waits in the queue.
      if ((await queuedPulls(nc, names.streams.models)) > 0) await startFetcher("pulls are waiting in the queue");
    },
    async close() {
      subscription.unsubscribe();
      await nc.close().catch(() => {});
    },
  };
}

async function queuedPulls(nc: NatsConnection, stream: string): Promise<number> {
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    return info.state.messages;
  } catch {
    return 0; // no MODELS stream yet: nothing was ever queued
  }
}

function hasModelFile(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.endsWith(".gguf"));
  } catch {
    return false;
  }
}
