import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface HoldingNatsProxy {
  /** Where the client connects instead of NATS. */
  url: string;
  /** Resolves once the client has sent `marker`: from then on what it sends waits here. */
  held: Promise<void>;
  /** Passes on everything held, and everything after. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of NATS that forwards both ways until the client sends `marker` (a subject,
 * a stream name), then holds whatever the client sends until `release()`. Lets a test stop a real
 * worker at one real step (copying a model from the object store, say) and look at it meanwhile.
 */
export async function startHoldingNatsProxy(natsUrl: string, marker: string): Promise<HoldingNatsProxy> {
  const target = new URL(natsUrl);
  const targetPort = Number(target.port || 4222);
  let holding = false;
  let released = false;
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const flushes: Array<() => void> = [];
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect(targetPort, target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    const waiting: Buffer[] = [];
    flushes.push(() => {
      for (const chunk of waiting.splice(0)) upstream.write(chunk);
    });
    // The tail of the last chunk, so a marker split across two chunks is still seen.
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      if (!holding && !released) {
        const text = tail + chunk.toString("latin1");
        if (text.includes(marker)) {
          holding = true;
          onHeld();
        }
        tail = text.slice(-marker.length);
      }
      if (holding) waiting.push(chunk);
      else upstream.write(chunk);
    });
    client.on("end", () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const proxied = new URL(natsUrl);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);

  const release = () => {
    holding = false;
    released = true;
    for (const flush of flushes) flush();
  };
  return {
    url: proxied.toString().replace(/\/$/, ""),
    held,
    release,
    async close() {
      release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
