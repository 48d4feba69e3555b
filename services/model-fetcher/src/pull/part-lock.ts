import { hostname } from "node:os";
import { mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PullAborted } from "../pull-error.js";

/** A lock not refreshed for this long belongs to a holder that is gone (another host, or hung). */
const LOCK_STALE_MS = 120_000;
const REFRESH_MS = 30_000;
const POLL_MS = 250;

interface LockHolder {
  pid: number;
  host: string;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(lockPath, "utf8").catch(() => null), stat(lockPath).catch(() => null)]);
  if (!info) return true;
  if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
  let holder: LockHolder | null = null;
  try {
    holder = text ? (JSON.parse(text) as LockHolder) : null;
  } catch {
    holder = null;
  }
  // A holder on this host can be asked directly; one on another host only by its refreshes.
  return holder !== null && holder.host === hostname() && !alive(holder.pid);
}

interface PartLock {
  release(): Promise<void>;
}

/**
 * Takes `<part>.lock` exclusively, so two fetchers sharing a models dir never write one `.part`
 * at once. Waits while a live holder has it; takes over a stale one.
 */
export async function acquirePartLock(partPath: string, signal: AbortSignal, onWait?: () => void): Promise<PartLock> {
  const lockPath = `${partPath}.lock`;
  let waited = false;
  await mkdir(dirname(partPath), { recursive: true });
  for (;;) {
    if (signal.aborted) throw new PullAborted("stopped");
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() } satisfies LockHolder));
      await handle.close();
      const refresh = setInterval(() => {
        const now = new Date();
        void utimes(lockPath, now, now).catch(() => {});
      }, REFRESH_MS);
      refresh.unref();
      return {
        async release() {
          clearInterval(refresh);
          await rm(lockPath, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (await isStale(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!waited) {
      waited = true;
      onWait?.();
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => {});
  }
}
