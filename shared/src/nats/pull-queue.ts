import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, ModelPullCommand, type ModelPullTarget, type NatsNames } from "../contracts/index.js";
import { ensureEventsStream, ensureModelsStream } from "./resources.js";

interface QueuedPull {
  pullId: string;
  seq: number;
}

export function newPullId(): string {
  return `pull_${Date.now().toString(36)}${randomBytes(5).toString("hex")}`;
}

/** Puts pull commands on the MODELS work queue, where one fetcher takes each (admin's pull API and the gateway's SOP models API). */
export function pullQueue(deps: { nats: { nc: NatsConnection }; names: NatsNames }) {
  let ready: Promise<void> | undefined;
  const ensureStreams = () =>
    (ready ??= (async () => {
      const jsm = await jetstreamManager(deps.nats.nc);
      await ensureModelsStream(jsm, deps.names);
      await ensureEventsStream(jsm, deps.names);
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  return {
    ensureStreams,
    async queue(pull: { pullId: string; target: ModelPullTarget; name?: string; distribute?: boolean }): Promise<QueuedPull> {
      await ensureStreams();
      const command = ModelPullCommand.parse({ v: 1, requestedAt: Date.now(), ...pull });
      const ack = await jetstream(deps.nats.nc).publish(deps.names.subjects.modelPull, encodeMessage(ModelPullCommand, command), { msgID: command.pullId });
      return { pullId: command.pullId, seq: ack.seq };
    },
  };
}
