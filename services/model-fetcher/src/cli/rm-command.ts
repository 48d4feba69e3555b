import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodeMessage, ModelRemovedEvent } from "@lantern/shared/contracts";
import { ensureEventsStream, openModelStore } from "@lantern/shared/nats";
import {
  findLocalModel,
  listLocalModels,
  nearNames,
  OutsideModelsDirError,
  removeLocalModel,
  resolveInsideModelsDir,
} from "@lantern/shared/model-files";
import { CliError } from "./cli-error.js";
import type { NatsSession } from "./nats-session.js";

interface RemoveOptions {
  modelsDir: string;
  name: string;
  /** Also delete the copy in the `models` object store. */
  everywhere: boolean;
  /** Null when NATS is not reachable: the file goes, nothing is announced. */
  session: NatsSession | null;
}

interface RemoveResult {
  name: string;
  file: string;
  removed: { file: boolean; manifest: boolean; object: boolean };
  /** A ModelRemovedEvent went out, so the admin service forgets the registration. */
  announced: boolean;
}

/** Deletes a model file and its manifest (and with `everywhere` its object-store copy), then announces it. */
export async function removeModel(opts: RemoveOptions): Promise<RemoveResult> {
  const { modelsDir, name, session } = opts;
  try {
    // A path given by hand must not reach outside the models dir, whether or not it names a model.
    await resolveInsideModelsDir(modelsDir, name);
  } catch (err) {
    if (err instanceof OutsideModelsDirError) throw new CliError(`Refusing: ${err.message}`);
    throw err;
  }
  const models = await listLocalModels(modelsDir);
  const model = findLocalModel(models, name);
  if (!model) {
    const near = nearNames(name, models.map((m) => m.name));
    const hint = near.length > 0 ? ` Did you mean: ${near.join(", ")}?` : models.length > 0 ? ` Models there: ${models.map((m) => m.name).slice(0, 10).join(", ")}.` : "";
    throw new CliError(`No model named ${JSON.stringify(name)} in ${modelsDir}.${hint} See \`npm run models -- list\`.`);
  }
  if (opts.everywhere && !session) {
    throw new CliError("--everywhere needs NATS to reach the object store, and NATS is not reachable at NATS_URL; nothing was removed. Start NATS (npm start) or drop --everywhere.");
  }

  const local = await removeLocalModel(modelsDir, model.file);
  let object = false;
  let announced = false;
  if (session) {
    if (opts.everywhere) {
      const store = await openModelStore(session.nc, session.names);
      const objectName = model.manifest?.object ?? model.file;
      const info = await store.info(objectName);
      if (info && !info.deleted) object = await store.delete(objectName).then((r) => r.success);
    }
    const jsm = await jetstreamManager(session.nc);
    await ensureEventsStream(jsm, session.names);
    const event: ModelRemovedEvent = { v: 1, id: `rm_${randomUUID()}`, at: Date.now(), type: "model.removed", name: model.name, file: model.file };
    await jetstream(session.nc).publish(session.names.subjects.modelRemoved, encodeMessage(ModelRemovedEvent, event), { msgID: event.id });
    announced = true;
  }
  return { name: model.name, file: model.file, removed: { ...local, object }, announced };
}
