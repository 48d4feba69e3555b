import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { Objm, type ObjectInfo, type ObjectStore } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../contracts/index.js";
import { raiseReplicas, replicaPolicyOf } from "./replicas.js";

/** Object metadata key holding the file's sha256 (hex), as verified by the fetcher. */
const MODEL_SHA256_METADATA = "lantern-sha256";

/**
 * Opens the `models` object store, creating it (file storage, the connection's replicas) when
 * missing; an existing one with fewer replicas is raised (or a log line says how).
 */
export async function openModelStore(nc: NatsConnection, names: NatsNames): Promise<ObjectStore> {
  const objm = new Objm(nc);
  const { replicas } = replicaPolicyOf(nc);
  let store: ObjectStore;
  try {
    store = await objm.create(names.objectStores.models, { storage: StorageType.File, replicas });
  } catch {
    store = await objm.open(names.objectStores.models);
  }
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(`OBJ_${names.objectStores.models}`).catch(() => null);
  if (info) await raiseReplicas(jsm, info.config);
  return store;
}

export class ModelObjectError extends Error {
  override name = "ModelObjectError";
  constructor(
    readonly code: "not_found" | "digest_mismatch" | "transfer_failed",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The sha256 (hex) an object was stored with, or null when it carries none. */
export function storedSha256(info: Pick<ObjectInfo, "metadata">): string | null {
  const value = info.metadata?.[MODEL_SHA256_METADATA];
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? value : null;
}

/**
 * Stores a verified model file under `object`. An object already there with the same digest is
 * kept as is, so distributing a file twice costs one metadata read.
 */
export async function putModelFile(store: ObjectStore, opts: { object: string; path: string; sha256: string }): Promise<ObjectInfo> {
  const existing = await store.info(opts.object);
  if (existing && !existing.deleted && storedSha256(existing) === opts.sha256) return existing;
  const data = Readable.toWeb(createReadStream(opts.path)) as ReadableStream<Uint8Array>;
  return store.put({ name: opts.object, metadata: { [MODEL_SHA256_METADATA]: opts.sha256 } }, data);
}

interface FetchedModelFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Copies `object` from the store to `dest`, through `dest.part`, hashing as it goes. The file is
 * renamed into place only when its sha256 matches `expectedSha256` (or, without one, the digest the
 * object was stored with); otherwise the partial file is removed and a ModelObjectError thrown.
 */
export async function fetchModelFile(
  store: ObjectStore,
  opts: { object: string; dest: string; expectedSha256?: string },
): Promise<FetchedModelFile> {
  const result = await store.get(opts.object);
  if (!result || result.info.deleted) throw new ModelObjectError("not_found", `object ${JSON.stringify(opts.object)} is not in the model store`);
  const expected = opts.expectedSha256 ?? storedSha256(result.info);
  const part = `${opts.dest}.part`;
  await mkdir(dirname(opts.dest), { recursive: true });
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(result.data as import("node:stream/web").ReadableStream<Uint8Array>), hashing, createWriteStream(part));
    const streamError = await result.error;
    if (streamError) throw new ModelObjectError("transfer_failed", `reading ${opts.object} from the model store failed: ${streamError.message}`, { cause: streamError });
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof ModelObjectError) throw err;
    throw new ModelObjectError("transfer_failed", `copying ${opts.object} from the model store failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const sha256 = hash.digest("hex");
  if (expected && sha256 !== expected) {
    await rm(part, { force: true });
    throw new ModelObjectError("digest_mismatch", `object ${opts.object} has sha256 ${sha256}, expected ${expected}; the copy was deleted`);
  }
  await rename(part, opts.dest);
  return { path: opts.dest, sizeBytes, sha256 };
}
