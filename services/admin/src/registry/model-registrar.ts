import { jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { decodeMessage, ModelPullEvent, ModelRemovedEvent, type ModelManifest } from "@lantern/shared/contracts";
import { ensureEventsStream } from "@lantern/shared/nats";
import { listLocalModels } from "@lantern/shared/model-files";
import type { AdminDeps } from "../admin-deps.js";
import { DurableReader } from "../db/durable-reader.js";
import { errorMessage } from "../db/error-message.js";
import { deleteModelRow, insertModelRowIfMissing, upsertModelRow } from "./model-rows.js";
import { ensureRegistrarConsumer, REGISTRAR_ACK_WAIT_MS } from "./registrar-consumer.js";

interface ModelRegistrarOptions {
  /** How long one wait for new events lasts; also bounds how long `stop()` takes when idle. */
  idleWaitMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface ModelRegistrarStatus {
  /** `registering`: keeping up; `retrying`: the last attempt failed and events wait in the stream. */
  state: "registering" | "retrying" | "stopped";
  /** Registrations written by this process (pulls done, and manifests found on disk at start). */
  registered: number;
  removed: number;
  lastError: { message: string; at: number } | null;
}

export interface ModelRegistrar {
  status(): ModelRegistrarStatus;
  stop(): Promise<void>;
}

type Action = { kind: "register"; manifest: ModelManifest } | { kind: "forget"; name: string; file: string } | { kind: "skip" };

/**
 * Keeps the `models` table in step with the fleet's files: a finished pull registers its model, a
 * removal forgets it. Reads a durable consumer on the EVENTS stream one event at a time, in order,
 * acking each only after its write committed (retrying while the database is away), so nothing is
 * lost or applied out of order; every write is idempotent, so a redelivery is harmless. At start
 * it also registers models that have a manifest on disk but no row (pulled while admin was away).
 */
export async function startModelRegistrar(deps: AdminDeps, opts: ModelRegistrarOptions = {}): Promise<ModelRegistrar> {
  const idleWaitMs = Math.max(1_000, opts.idleWaitMs ?? 2_000);
  const logger = deps.logger.child({ component: "model-registrar" });
  const { names } = deps;
  const jsm = await jetstreamManager(deps.nats.nc);
  await ensureEventsStream(jsm, names);
  const durable = await ensureRegistrarConsumer(jsm, names);
  const reader = new DurableReader({
    js: jetstream(deps.nats.nc),
    stream: names.streams.events,
    durable,
    ensureConsumer: () => ensureRegistrarConsumer(jsm, names),
    ackWaitMs: REGISTRAR_ACK_WAIT_MS,
    retryMinMs: opts.retryMinMs,
    retryMaxMs: opts.retryMaxMs,
    logger,
  });
  const pullSubjectPrefix = names.subjects.modelPullEvents("x").slice(0, -1);
  const counts = { registered: 0, removed: 0 };

  /** What an event asks of the table; throws for a message on a model subject that is not what it should be. */
  const actionOf = (m: JsMsg): Action => {
    if (m.subject === names.subjects.modelRemoved) {
      const removed = decodeMessage(ModelRemovedEvent, m.data);
      return { kind: "forget", name: removed.name, file: removed.file };
    }
    if (m.subject.startsWith(pullSubjectPrefix)) {
      const event = decodeMessage(ModelPullEvent, m.data);
      return event.type === "model.pull.done" ? { kind: "register", manifest: event.model } : { kind: "skip" };
    }
    // Workers' load and unload events share the subject space.
    return { kind: "skip" };
  };

  const apply = async (action: Action) => {
    if (action.kind === "register") {
      await upsertModelRow(deps.db, action.manifest);
      counts.registered++;
      logger.info({ model: action.manifest.name, file: action.manifest.file }, "model registered");
    } else if (action.kind === "forget") {
      if (await deleteModelRow(deps.db, action.name, action.file)) {
        counts.removed++;
        logger.info({ model: action.name, file: action.file }, "model registration removed");
      }
    }
  };

  /** Applies one event until it commits (then acks) or the registrar stops (then hands it back). */
  const handle = async (m: JsMsg) => {
    let action: Action;
    try {
      action = actionOf(m);
    } catch (err) {
      logger.error({ reason: errorMessage(err), subject: m.subject, seq: m.seq }, "terminating an undecodable model event");
      m.term();
      return;
    }
    if (action.kind === "skip") m.ack();
    else await reader.commit([m], "applying a model event", () => apply(action));
  };

  const registerFilesOnDisk = async () => {
    try {
      for (const model of await listLocalModels(deps.config.MODELS_DIR)) {
        if (model.manifest && (await insertModelRowIfMissing(deps.db, { ...model.manifest, name: model.name }))) {
          counts.registered++;
          logger.info({ model: model.name, file: model.file }, "model on disk registered");
        }
      }
    } catch (err) {
      // The events still register what was pulled; a file found on disk only waits for the next start.
      logger.warn({ err: errorMessage(err) }, "registering models found on disk failed");
    }
  };

  const started = registerFilesOnDisk().then(() =>
    reader.start("reading model events", async (consumer) => {
      const m = await consumer.next({ expires: idleWaitMs });
      reader.readOk();
      if (m) await handle(m);
    }),
  );
  logger.info({ durable }, "model registrar started");
  return {
    status: () => ({ ...counts, state: reader.stopped ? "stopped" : reader.retrying ? "retrying" : "registering", lastError: reader.lastError }),
    async stop() {
      await started;
      await reader.stop();
    },
  };
}
