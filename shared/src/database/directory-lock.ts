import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { processRuns } from "../lifecycle/process-alive.js";

export interface DirectoryLock {
  release(): void;
}

export class DirectoryLockedError extends Error {
  override name = "DirectoryLockedError";
}

const LOCK_FILE = "lantern.lock";

/**
 * Claims `dir` for this process with a file holding its pid, created exclusively. A lock whose
 * process is gone (killed, crashed) is taken over; one whose process runs is refused.
 */
export function holdDirectoryLock(dir: string): DirectoryLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(readFileSync(path, "utf8").trim());
    if (holder !== process.pid && processRuns(holder)) {
      throw new DirectoryLockedError(
        `the embedded database in ${dir} is open in process ${holder}: PGlite serves one process. ` +
          "Run admin and the orchestrator in one process (as `npm start` does), give them DATABASE_URL, or another LANTERN_DATA_DIR.",
      );
    }
    rmSync(path, { force: true });
  }
  throw new DirectoryLockedError(`could not claim the embedded database in ${dir}`);
}

