import { afterAll, beforeAll, expect, it } from "vitest";
import { Kvm, type KV } from "@nats-io/kv";
import { createLogger } from "../logging/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { connectNats, type NatsLink } from "./connect.js";
import { storedEntries, storedKeys } from "./kv-keys.js";

let testNats: TestNats;
let link: NatsLink;
let kv: KV;
const bucket = () => `kvkeys_${testNats.namespace.replace(/\W/g, "_")}`;

beforeAll(async () => {
  testNats = await useTestNats("kvkeys");
  link = await connectNats({ url: testNats.url, name: "kv-keys-test", logger: createLogger({ service: "kv-keys-test", level: "silent" }) });
  kv = await new Kvm(link.nc).create(bucket(), { history: 1 });
});

afterAll(async () => {
  await kv?.destroy().catch(() => {});
  await link?.nc.close();
  await testNats?.stop();
});

it("lists each live entry once while the keys are being rewritten, and leaves deleted keys out", async () => {
  const names = Array.from({ length: 300 }, (_, i) => `worker-${i}`);
  for (const name of names) await kv.put(name, "beat");
  await kv.delete("worker-0");
  // Rewriting every key as fast as the server takes it while listing: the heartbeats' pattern.
  let writing = true;
  const writer = (async () => {
    let n = 0;
    while (writing) await kv.put(names[1 + (n++ % (names.length - 1))]!, `beat ${n}`);
  })();
  try {
    for (let round = 0; round < 5; round++) {
      const keys = (await storedEntries(link.nc, kv, bucket())).map((entry) => entry.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.sort()).toEqual(names.slice(1).sort());
    }
  } finally {
    writing = false;
    await writer;
  }
});

it("lists every stored key once without a consumer, a deleted one included (its marker is a message)", async () => {
  await kv.put("plain", "x");
  await kv.put("gone", "x");
  await kv.delete("gone");
  const keys = await storedKeys(link.nc, bucket());
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toEqual(expect.arrayContaining(["plain", "gone", "worker-1"]));
  expect((await kv.get("gone"))?.operation).toBe("DEL");
  await expect(storedKeys(link.nc, `${bucket()}_missing`)).rejects.toThrow();
});
