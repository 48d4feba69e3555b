import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStore } from "@nats-io/obj";
import { natsNames } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { connectNats, type NatsLink } from "./connect.js";
import { fetchModelFile, ModelObjectError, openModelStore, putModelFile, storedSha256 } from "./model-store.js";

const bundledModel = join(import.meta.dirname, "../../../models/stories260K.gguf");

describe("model object store", () => {
  let testNats: TestNats;
  let link: NatsLink;
  let store: ObjectStore;
  let dir: string;
  let sha256: string;

  beforeAll(async () => {
    testNats = await useTestNats("objstore");
    link = await connectNats({ url: testNats.url, name: "model-store-test", logger: createLogger({ service: "model-store-test", level: "silent" }) });
    store = await openModelStore(link.nc, natsNames(testNats.namespace));
    dir = await mkdtemp(join(tmpdir(), "lantern-objstore-"));
    sha256 = createHash("sha256").update(await readFile(bundledModel)).digest("hex");
  });

  afterAll(async () => {
    await store?.destroy().catch(() => {});
    await link?.nc.close();
    await testNats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips a model file with its digest, and re-putting the same file writes nothing", async () => {
    const first = await putModelFile(store, { object: "tiny/stories260K.gguf", path: bundledModel, sha256 });
    expect(storedSha256(first)).toBe(sha256);
    const again = await putModelFile(store, { object: "tiny/stories260K.gguf", path: bundledModel, sha256 });
    expect(again.nuid).toBe(first.nuid);

    const dest = join(dir, "copy", "stories260K.gguf");
    const fetched = await fetchModelFile(store, { object: "tiny/stories260K.gguf", dest });
    expect(fetched.sha256).toBe(sha256);
    expect((await stat(dest)).size).toBe((await stat(bundledModel)).size);
    await expect(stat(`${dest}.part`)).rejects.toThrow();
  });

  it("refuses a copy whose digest does not match and leaves nothing behind", async () => {
    const other = join(dir, "other.gguf");
    await writeFile(other, "not the model");
    await putModelFile(store, { object: "lying.gguf", path: other, sha256 });
    const dest = join(dir, "lying.gguf");
    const err = await fetchModelFile(store, { object: "lying.gguf", dest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelObjectError);
    expect((err as ModelObjectError).code).toBe("digest_mismatch");
    await expect(stat(dest)).rejects.toThrow();
    await expect(stat(`${dest}.part`)).rejects.toThrow();
  });

  it("says when an object is missing", async () => {
    const err = await fetchModelFile(store, { object: "absent.gguf", dest: join(dir, "absent.gguf") }).catch((e: unknown) => e);
    expect((err as ModelObjectError).code).toBe("not_found");
  });
});
