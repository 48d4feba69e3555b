import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { holdDirectoryLock, type DirectoryLock } from "./directory-lock.js";

/**
 * The embedded database's settings. Postgres' default 128 MB of shared buffers is most of what an
 * embedded database holds (RSS 330 MiB against 185 MiB with 16 MB, measured on a reopened data
 * directory); a service's own tables stay small, and a deployment with much history uses a server.
 */
const PGLITE_CONF = ["shared_buffers = 16MB"];
/** Run by `node -e` with PGlite's CommonJS entry, the data directory and the settings as arguments. */
const INIT_PGLITE = `
const [entry, dataDir, conf] = process.argv.slice(1);
const { PGlite } = require(entry);
const db = new PGlite(dataDir, { postgresqlconf: JSON.parse(conf) });
db.waitReady.then(() => db.close()).catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * The one embedded database of a data directory, which admin and the orchestrator share (each with
 * its own tables and migration history): one WebAssembly Postgres (~150 MiB) instead of one each.
 * Before it was shared, admin's lived in `admin-db`: that one becomes the shared one, keys and all.
 */
export function embeddedDatabaseDir(dataDir: string): string {
  const dir = join(dataDir, "db");
  const adminBefore = join(dataDir, "admin-db");
  if (!existsSync(dir) && existsSync(join(adminBefore, "PG_VERSION"))) renameSync(adminBefore, dir);
  return dir;
}

interface SharedInstance {
  client: Promise<PGlite>;
  users: number;
  lock: DirectoryLock;
}

/** One PGlite per directory in this process, whoever opens it: two would corrupt each other's files. */
const instances = new Map<string, SharedInstance>();

export interface PgliteLease {
  client: PGlite;
  /** Gives the instance back; the last user closes it. */
  release(): Promise<void>;
}

/**
 * This process's instance of the embedded database in `dir`, opened on first use. Another process
 * holding the directory is refused with a message saying so (PGlite is one process's alone).
 */
export async function leasePglite(dir: string): Promise<PgliteLease> {
  const key = resolve(dir);
  let instance = instances.get(key);
  if (!instance) {
    mkdirSync(key, { recursive: true });
    const lock = holdDirectoryLock(key);
    const client = openPglite(key).catch((err: unknown) => {
      instances.delete(key);
      lock.release();
      throw err;
    });
    instance = { client, users: 0, lock };
    instances.set(key, instance);
  }
  instance.users++;
  const held = instance;
  const client = await held.client.catch((err: unknown) => {
    held.users--;
    throw err;
  });
  let released = false;
  return {
    client,
    async release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      instances.delete(key);
      try {
        await client.close();
      } finally {
        held.lock.release();
      }
    },
  };
}

async function openPglite(dir: string): Promise<PGlite> {
  if (!existsSync(join(dir, "PG_VERSION"))) await initPgliteApart(dir);
  const client = new PGlite(dir, { postgresqlconf: PGLITE_CONF });
  await client.waitReady;
  return client;
}

/** Runs initdb for a new data directory in a child process: its memory (about 500 MiB) leaves with it. */
function initPgliteApart(dataDir: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // The entry as this module resolves it (from the service's node_modules, whatever the child's cwd,
    // and the same from a bundle, whose import.meta.url is its source file's).
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    const args = ["-e", INIT_PGLITE, entry, dataDir, JSON.stringify(PGLITE_CONF)];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`creating the embedded database in ${dataDir} failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-2000)}`));
    });
  });
}
