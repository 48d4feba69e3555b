import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
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
 * NATS for a test: `NATS_URL` when given, otherwise a private nats-server on a free port.
 * Either way the test gets its own namespace, so tests can share a server and run in parallel.
 */
export async function useTestNats(label?: string): Promise<TestNats> {
  const namespace = uniqueNamespace(label);
  if (process.env.NATS_URL) {
    return { url: process.env.NATS_URL, namespace, stop: async () => {} };
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
