import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startLocalNatsServer } from "../nats/local-server.js";

export interface TestNats {
  url: string;
  /** A namespace no other test uses: every stream, subject and bucket of the test lives under it. */
  namespace: string;
  stop(): Promise<void>;
}

export function uniqueNamespace(label = "t"): string {
  return `${label}${randomBytes(5).toString("hex")}`;
}

/**
 * Deletes every stream, bucket and object store of a namespace (`<ns>_INFER`, `KV_<ns>_keys`,
 * `OBJ_<ns>_models`) and of the namespaces a test derived from it (`<ns>pg_EVENTS`): on a shared
 * server what tests leave behind would add up, each stream's reserved bytes counting against
 * JetStream's storage until new streams are refused.
 */
async function removeNamespace(url: string, namespace: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    // A unique namespace holds random characters: no other test's resource starts with it.
    const ours = (name: string) => name.replace(/^(KV|OBJ)_/, "").startsWith(namespace);
    const names: string[] = [];
    for await (const stream of jsm.streams.list()) if (ours(stream.config.name)) names.push(stream.config.name);
    await Promise.all(names.map((name) => jsm.streams.delete(name).catch(() => false)));
  } finally {
    await nc.close();
  }
}

/**
 * NATS for a test: `NATS_URL` when given, otherwise a private nats-server on a free port.
 * Either way the test gets its own namespace, so tests can share a server and run in parallel;
 * on a shared server `stop` deletes what the namespace holds.
 */
export async function useTestNats(label?: string): Promise<TestNats> {
  const namespace = uniqueNamespace(label);
  const sharedUrl = process.env.NATS_URL;
  if (sharedUrl) {
    return { url: sharedUrl, namespace, stop: () => removeNamespace(sharedUrl, namespace) };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-nats-"));
  const server = await startLocalNatsServer({ dataDir });
  return {
    url: server.url,
    namespace,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
