import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@lantern/shared/logging";
import { PullAborted, PullError } from "../pull-error.js";

interface ResumableDownloadOptions {
  /** GETs the file from byte `from` on (a Range request when `from` > 0). */
  open(from: number, signal: AbortSignal): Promise<Response>;
  /** The error to fail with for a response that is neither 200, 206 nor 416. */
  errorFor(res: Response): Promise<Error>;
  partPath: string;
  /** What the hub said the file's size is; null when it did not say. */
  expectedBytes: number | null;
  signal: AbortSignal;
  /** Called as bytes land, with how many the `.part` file now holds. */
  onProgress?(bytesOnDisk: number): void;
  /** Attempts in a row that may fail without a byte of progress before the download gives up. */
  maxRetries: number;
  /** First pause between attempts; doubled each time, up to 30 s. */
  retryDelayMs: number;
  logger: Logger;
}

interface DownloadResult {
  sha256: string;
  sizeBytes: number;
  /** Bytes already in the `.part` file when this download started. */
  resumedFromBytes: number;
  /** Bytes fetched by this download. */
  downloadedBytes: number;
}

/** Bytes already in a `.part` file (0 when there is none). */
export async function partSize(partPath: string): Promise<number> {
  return (await stat(partPath).catch(() => null))?.size ?? 0;
}

async function hashFile(path: string, hash: Hash, signal: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
}

/** `bytes 100-199/200` → 100. */
function rangeStart(contentRange: string | null): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange?.trim() ?? "");
  return match ? Number(match[1]) : null;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Downloads into a `.part` file, continuing what is already there. The sha256 covers the
 * whole file: bytes already on disk are hashed first, and each new chunk is hashed only once
 * it is written, so the digest always describes exactly the bytes on disk. A dropped
 * connection continues with a Range request; a server that ignores Range, answers 416, or a
 * `.part` longer than the file starts over from byte 0.
 */
export async function resumableDownload(opts: ResumableDownloadOptions): Promise<DownloadResult> {
  const { partPath, expectedBytes, signal, logger } = opts;
  await mkdir(dirname(partPath), { recursive: true });
  const file: FileHandle = await open(partPath, "a");
  try {
    let have = (await file.stat()).size;
    let hash = createHash("sha256");
    const restart = async (why: string) => {
      logger.info({ part: partPath, had: have, why }, "starting the download over");
      await file.truncate(0);
      have = 0;
      hash = createHash("sha256");
    };
    if (expectedBytes !== null && have > expectedBytes) await restart("the .part file is longer than the file");
    if (have > 0) await hashFile(partPath, hash, signal).catch((err: unknown) => {
      throw signal.aborted ? new PullAborted("stopped") : err;
    });
    const resumedFromBytes = have;
    let downloadedBytes = 0;
    let failures = 0;
    let delay = opts.retryDelayMs;

    const retryOrThrow = async (err: Error, progressed: boolean) => {
      if (signal.aborted) throw new PullAborted("stopped");
      if (progressed) {
        failures = 0;
        delay = opts.retryDelayMs;
      }
      failures++;
      if (failures > opts.maxRetries) throw err;
      logger.warn({ part: partPath, have, attempt: failures, retryInMs: delay, err: err.message }, "download interrupted; continuing");
      await sleep(delay, undefined, { signal }).catch(() => {
        throw new PullAborted("stopped");
      });
      delay = Math.min(30_000, delay * 2);
    };

    for (;;) {
      if (expectedBytes !== null && have === expectedBytes && have > 0) break;
      if (signal.aborted) throw new PullAborted("stopped");
      let res: Response;
      try {
        res = await opts.open(have, signal);
      } catch (err) {
        if (signal.aborted) throw new PullAborted("stopped");
        if (err instanceof PullError && err.code !== "network_error") throw err;
        await retryOrThrow(err as Error, false);
        continue;
      }
      if (res.status === 416) {
        await res.body?.cancel().catch(() => {});
        await restart("the server refused the range (416)");
        await retryOrThrow(new PullError("upstream_error", "the server refused every byte range asked for (416)"), false);
        continue;
      }
      if (res.status !== 200 && res.status !== 206) {
        const err = await opts.errorFor(res);
        if (!RETRYABLE_STATUS.has(res.status)) throw err;
        await retryOrThrow(err, false);
        continue;
      }
      if (have > 0 && (res.status === 200 || rangeStart(res.headers.get("content-range")) !== have)) {
        // The body starts at byte 0 (or somewhere else than asked): what is on disk cannot be continued.
        await restart(res.status === 200 ? "the server ignored the Range request" : "the server sent another range than asked");
        if (res.status !== 200) {
          await res.body?.cancel().catch(() => {});
          continue;
        }
      }
      const before = have;
      try {
        if (!res.body) throw new PullError("upstream_error", "the server sent no body");
        for await (const chunk of res.body) {
          await file.write(chunk);
          hash.update(chunk);
          have += chunk.length;
          downloadedBytes += chunk.length;
          opts.onProgress?.(have);
          if (expectedBytes !== null && have > expectedBytes) {
            throw new PullError("upstream_error", `the server sent more than the ${expectedBytes} bytes the hub announced`);
          }
        }
      } catch (err) {
        if (signal.aborted) throw new PullAborted("stopped");
        if (err instanceof PullError) throw err;
        await retryOrThrow(new PullError("network_error", `the download broke off at byte ${have}: ${(err as Error).message}`), have > before);
        continue;
      }
      if (expectedBytes === null || have === expectedBytes) break;
      // The body ended early without an error: continue from where it stopped.
      await retryOrThrow(new PullError("network_error", `the download ended at byte ${have} of ${expectedBytes}`), have > before);
    }
    await file.sync();
    return { sha256: hash.digest("hex"), sizeBytes: have, resumedFromBytes, downloadedBytes };
  } finally {
    await file.close();
  }
}
