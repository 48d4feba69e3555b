import { resolve } from "node:path";
import type { ObjectStore } from "@nats-io/obj";
import { fetchModelFile, ModelObjectError } from "@lantern/shared/nats";
import type { Logger } from "@lantern/shared/logging";
import { ModelLoadError } from "./model-load-error.js";
import { resolveModelPath } from "./model-path.js";

interface ModelFilesOptions {
  modelsDir: string;
  /** Where copies from the object store go; looked in after the models dir. */
  cacheDir: string;
  /** The `models` object store, opened on first need; undefined when the worker does not use one. */
  store: (() => Promise<ObjectStore>) | undefined;
  logger: Logger;
}

const isMissing = (err: unknown) => err instanceof ModelLoadError && err.code === "file_not_found";

/**
 * Finds a model file for a worker: in its models dir, then in its cache, then in the NATS object
 * store (copied into the cache with its digest checked). This is how a worker on a host without
 * the models volume gets the files the fetcher distributed. Copies of one file asked for at once
 * are made once.
 */
export class ModelFiles {
  private readonly copying = new Map<string, Promise<string>>();

  constructor(private readonly opts: ModelFilesOptions) {}

  /** The absolute path of `file`, copying it from the object store when no local copy exists; throws ModelLoadError. */
  async locate(file: string): Promise<string> {
    try {
      return await resolveModelPath(this.opts.modelsDir, file);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    const separateCache = resolve(this.opts.cacheDir) !== resolve(this.opts.modelsDir);
    if (separateCache) {
      try {
        return await resolveModelPath(this.opts.cacheDir, file);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    if (!this.opts.store) {
      throw new ModelLoadError("file_not_found", `Model file ${JSON.stringify(file)} was not found in the models dir.`);
    }
    let copy = this.copying.get(file);
    if (!copy) {
      copy = this.copyFromStore(file, this.opts.store).finally(() => this.copying.delete(file));
      this.copying.set(file, copy);
    }
    return copy;
  }

  private async copyFromStore(file: string, openStore: () => Promise<ObjectStore>): Promise<string> {
    const log = this.opts.logger.child({ file });
    // The path check already ran for the models dir; the same name is safe under the cache dir.
    const dest = resolve(this.opts.cacheDir, file);
    let store: ObjectStore;
    try {
      store = await openStore();
    } catch (err) {
      throw new ModelLoadError("model_store_failed", `Model file ${JSON.stringify(file)} is not on this host and the model store could not be opened: ${String(err)}`, undefined, { cause: err });
    }
    log.info("model file not on this host: copying it from the model store");
    const started = performance.now();
    try {
      const copied = await fetchModelFile(store, { object: file, dest });
      log.info({ sizeBytes: copied.sizeBytes, sha256: copied.sha256, ms: Math.round(performance.now() - started) }, "model file copied from the model store");
      return copied.path;
    } catch (err) {
      if (err instanceof ModelObjectError && err.code === "not_found") {
        throw new ModelLoadError(
          "file_not_found",
          `Model file ${JSON.stringify(file)} was not found in the models dir nor in the model store; pull it with \`npm run models -- pull\` (with --distribute for workers on other hosts).`,
        );
      }
      log.error({ err }, "copying the model file from the model store failed");
      throw new ModelLoadError("model_store_failed", `Copying model file ${JSON.stringify(file)} from the model store failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    }
  }
}
