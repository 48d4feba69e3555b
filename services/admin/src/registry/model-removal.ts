import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodeMessage, ModelRemovedEvent } from "@lantern/shared/contracts";
import { ensureEventsStream, openModelStore } from "@lantern/shared/nats";
import { findLocalModel, listLocalModels, nearNames, removeLocalModel } from "@lantern/shared/model-files";
import { ApiError } from "@lantern/shared/errors";
import type { AdminDeps } from "../admin-deps.js";
import { models } from "../db/schema.js";
import { deleteModelRow } from "./model-rows.js";

interface ModelRemoval {
  name: string;
  file: string;
  removed: { file: boolean; manifest: boolean; object: boolean; registration: boolean };
}

/**
 * Removes a model: its file and manifest under MODELS_DIR, with `everywhere` its copy in the
 * object store, and its registration; then announces the removal so other admin replicas and
 * watchers learn of it. A name neither on disk nor registered is a 404 naming near ones.
 */
export async function removeModel(deps: Pick<AdminDeps, "config" | "db" | "nats" | "names">, name: string, everywhere: boolean): Promise<ModelRemoval> {
  const [onDisk, rows] = await Promise.all([listLocalModels(deps.config.MODELS_DIR), deps.db.select().from(models).where(eq(models.name, name))]);
  const local = findLocalModel(onDisk, name);
  const row = rows[0];
  if (!local && !row) {
    const registered = await deps.db.select({ name: models.name }).from(models);
    const near = nearNames(name, [...onDisk.map((m) => m.name), ...registered.map((r) => r.name)]);
    throw new ApiError(404, "invalid_request_error", `No model '${name}'.${near.length > 0 ? ` Did you mean: ${near.join(", ")}?` : ""}`, { param: "name", code: "not_found" });
  }
  const file = local?.file ?? row!.file;
  const fromDisk = local ? await removeLocalModel(deps.config.MODELS_DIR, local.file) : { file: false, manifest: false };

  let object = false;
  if (everywhere) {
    const store = await openModelStore(deps.nats.nc, deps.names);
    const objectName = local?.manifest?.object ?? file;
    const info = await store.info(objectName);
    if (info && !info.deleted) object = (await store.delete(objectName)).success;
  }
  const registration = await deleteModelRow(deps.db, local?.name ?? name);

  const jsm = await jetstreamManager(deps.nats.nc);
  await ensureEventsStream(jsm, deps.names);
  const event: ModelRemovedEvent = { v: 1, id: `rm_${randomUUID()}`, at: Date.now(), type: "model.removed", name: local?.name ?? name, file };
  await jetstream(deps.nats.nc).publish(deps.names.subjects.modelRemoved, encodeMessage(ModelRemovedEvent, event), { msgID: event.id });
  return { name: event.name, file, removed: { ...fromDisk, object, registration } };
}
