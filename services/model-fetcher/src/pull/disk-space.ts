import { mkdir, statfs } from "node:fs/promises";
import { formatBytes } from "@lantern/shared/config";
import { PullError } from "../pull-error.js";

/** Throws `insufficient_disk` when `bytesToWrite` plus the headroom do not fit in `dir`'s free space. */
export async function ensureDiskSpace(dir: string, bytesToWrite: number, headroomBytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const needed = bytesToWrite + headroomBytes;
  if (needed > free) {
    throw new PullError(
      "insufficient_disk",
      `not enough disk space in ${dir}: needs ${formatBytes(needed)} (${formatBytes(bytesToWrite)} to download + ${formatBytes(headroomBytes)} FETCHER_DISK_HEADROOM), ${formatBytes(free)} free; free some space or lower FETCHER_DISK_HEADROOM`,
    );
  }
}
