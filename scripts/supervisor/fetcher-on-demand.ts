/**
 * Starts the model fetcher when there is work for it rather than with the stack (an idle fetcher
 * holds ~70-100 MiB): at once when pulls already wait in the MODELS queue (queued while the stack was
 * down) or the models dir has no model for it to seed, else on the first pull command published (by
 * admin's pull API or the web app; the models CLI runs a fetcher of its own when none takes its pull).
 * The command waits in the work queue meanwhile, so the fetcher started for it takes it. Once started,
 * the fetcher stays, supervised like every other child.
 */
import { readdirSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames } from "@lantern/shared/contracts/nats-names";

export interface FetcherOnDemandOptions {
  natsUrl: string;
  namespace?: string | undefined;
  modelsDir: string;
  /** Adds the fetcher to the stack; called once. */
  start: (why: string) => Promise<void>;
}

export interface FetcherOnDemand {
  /** Stops watching (the fetcher, when started, is stopped with the stack). */
  close(): Promise<void>;
}

export async function startFetcherOnDemand(opts: FetcherOnDemandOptions): Promise<FetcherOnDemand> {
  const names = natsNames(opts.namespace);
  let started = false;
  let nc: NatsConnection | undefined;
  const startOnce = async (why: string) => {
    if (started) return;
    started = true;
    await nc?.close().catch(() => {});
    await opts.start(why);
  };

  if (!hasModelFile(opts.modelsDir)) {
    await startOnce("the models dir has no model yet");
    return { close: async () => {} };
  }
  nc = await connect({ servers: opts.natsUrl, name: "lantern-stack-fetcher-watch", maxReconnectAttempts: -1 });
  const subscription = nc.subscribe(names.subjects.modelPull, { max: 1, callback: () => void startOnce("a pull was asked for") });
  if ((await queuedPulls(nc, names.streams.models)) > 0) await startOnce("pulls are waiting in the queue");
  return {
    async close() {
      subscription.unsubscribe();
      await nc?.close().catch(() => {});
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
