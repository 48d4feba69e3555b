import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, ModelPullEvent, type ModelManifest, type NatsNames } from "@lantern/shared/contracts";
import { newPullId, pullQueue } from "@lantern/shared/nats";
import { SopHttpError } from "./sop-errors.js";

/** The executor downloads before it answers; a pull longer than this answers 504 (the fetcher goes on with it). */
const PULL_WAIT_MS = 15 * 60_000;

/**
 * Queues a pull of a preset for the fetchers (the same command `POST /api/models/pull` queues) and
 * waits for its end: the verified file's manifest, or the fetcher's reason as a 400.
 */
export async function pullPreset(nc: NatsConnection, names: NatsNames, preset: string, name: string): Promise<ModelManifest> {
  const pullId = newPullId();
  // Following before queueing, so not even the first event can come before it.
  const events = nc.subscribe(names.subjects.modelPullEvents(pullId));
  const timer = setTimeout(() => events.unsubscribe(), PULL_WAIT_MS);
  try {
    await nc.flush();
    await pullQueue({ nats: { nc }, names }).queue({ pullId, target: { preset }, name });
    for await (const msg of events) {
      const event = decodeMessage(ModelPullEvent, msg.data);
      if (event.type === "model.pull.done") return event.model;
      if (event.type === "model.pull.failed") throw new SopHttpError(400, `Model download failed: ${event.error.message}`);
    }
    throw new SopHttpError(504, `The download of '${preset}' goes on (pull ${pullId}); register again once it is done.`);
  } finally {
    clearTimeout(timer);
    events.unsubscribe();
  }
}
