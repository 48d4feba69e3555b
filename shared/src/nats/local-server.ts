import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync } from "node:fs";
import { connect } from "@nats-io/transport-node";

export const NATS_SERVER_INSTALL_HINT = [
  "No nats-server was found on PATH and NATS_URL is not set.",
  "Either point NATS_URL at a NATS server with JetStream enabled, or install nats-server:",
  "  Debian/Ubuntu:  sudo apt-get install nats-server",
  "  macOS:          brew install nats-server",
  "  Go toolchain:   go install github.com/nats-io/nats-server/v2@latest",
  "  Other systems:  https://docs.nats.io/running-a-nats-service/introduction/installation",
].join("\n");

export function findNatsServer(): string | undefined {
  // An explicit NATS_SERVER_BIN is the only candidate; otherwise PATH, then where packages put it.
  const explicit = process.env.NATS_SERVER_BIN;
  const candidates = explicit ? [explicit] : ["nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"];
  for (const bin of candidates) {
    const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
    if (probe.status === 0) return bin;
  }
  return undefined;
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(undefined));
      srv.listen(port, "127.0.0.1", () => {
        const address = srv.address();
        const bound = typeof address === "object" && address ? address.port : undefined;
        srv.close(() => resolve(bound));
      });
    });
  if (preferred !== undefined) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error("no free TCP port on 127.0.0.1");
  return port;
}

export interface LocalNatsServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

interface StartLocalNatsOptions {
  dataDir: string;
  port?: number;
  /** Where the server's own log lines go; silent by default. */
  stdio?: "inherit" | "ignore";
  /** Own process group, so a terminal's Ctrl-C reaches only the parent, which stops it in order. */
  detached?: boolean;
}

/** Starts nats-server with JetStream on loopback and resolves once it accepts connections. */
export async function startLocalNatsServer({ dataDir, port, stdio = "ignore", detached = false }: StartLocalNatsOptions): Promise<LocalNatsServer> {
  const bin = findNatsServer();
  if (!bin) throw new Error(NATS_SERVER_INSTALL_HINT);
  mkdirSync(dataDir, { recursive: true });
  const chosenPort = await freePort(port);
  const child = spawn(bin, ["-a", "127.0.0.1", "-p", String(chosenPort), "-js", "-sd", dataDir], { stdio, detached });
  const url = `nats://127.0.0.1:${chosenPort}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    try {
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nats-server did not start on ${url}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
