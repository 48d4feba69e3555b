import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ObjectStore } from "@nats-io/obj";
import type { DigestSource, ModelManifest, ModelPullCommand, ModelSource } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { putModelFile } from "@lantern/shared/nats";
import type { FetcherConfig } from "../config.js";
import { partSize, resumableDownload } from "../download/resumable-download.js";
import type { HubClient, HubFile } from "../hub/hub-client.js";
import { PullAborted, PullError } from "../pull-error.js";
import { ActiveDownload, ActiveDownloads, type LeadResult } from "./active-downloads.js";
import { ensureDiskSpace } from "./disk-space.js";
import { readManifest, writeManifest } from "@lantern/shared/model-files";
import { checkModelFile } from "./model-file-check.js";
import { acquirePartLock } from "./part-lock.js";
import type { PullEventPublisher } from "./pull-events.js";
import { ProgressMeter } from "./progress-meter.js";
import { resolvePullTarget, type PullTarget } from "./pull-target.js";

export interface PullContext {
  config: Pick<
    FetcherConfig,
    "MODELS_DIR" | "FETCHER_DISTRIBUTE" | "FETCHER_DISK_HEADROOM" | "FETCHER_PROGRESS_INTERVAL_MS" | "FETCHER_RETRY_DELAY_MS" | "FETCHER_MAX_RETRIES"
  >;
  hub: HubClient;
  events: PullEventPublisher;
  active: ActiveDownloads;
  /** The `models` object store, opened on first use. */
  modelStore(): Promise<ObjectStore>;
  logger: Logger;
  /** Aborted when the fetcher stops: the pull leaves its `.part` file and gives its command back. */
  signal: AbortSignal;
  /** Aborted when someone cancels this pull: it fails as `cancelled` (its `.part` file stays for a later pull to resume). */
  cancelled?: AbortSignal;
}

/** `settled`: done or failed was published, ack the command. Otherwise give it back for another try. */
type PullOutcome = "settled" | "aborted" | "unpublished";

interface PullResult {
  manifest: ModelManifest;
  alreadyPresent: boolean;
  downloadedBytes: number;
}

/** Runs one pull command to its `model.pull.done` or `model.pull.failed` event. */
export async function runPull(cmd: ModelPullCommand, ctx: PullContext): Promise<PullOutcome> {
  const startedAt = Date.now();
  const logger = ctx.logger.child({ pullId: cmd.pullId });
  try {
    const result = await pull(cmd, ctx, logger);
    logger.info({ file: result.manifest.file, alreadyPresent: result.alreadyPresent, downloadedBytes: result.downloadedBytes }, "pull done");
    const published = await ctx.events.publish(cmd.pullId, { type: "model.pull.done", model: result.manifest, alreadyPresent: result.alreadyPresent, downloadedBytes: result.downloadedBytes, durationMs: Date.now() - startedAt });
    return published ? "settled" : "unpublished";
  } catch (err) {
    if (ctx.cancelled?.aborted) {
      logger.info("pull cancelled");
      const error = { code: "cancelled" as const, message: "The pull was cancelled; pulling the same file again resumes its partial download." };
      return (await ctx.events.publish(cmd.pullId, { type: "model.pull.failed", error })) ? "settled" : "unpublished";
    }
    if (err instanceof PullAborted || ctx.signal.aborted) {
      logger.info("pull stopped; its command goes back to the queue");
      return "aborted";
    }
    const error = err instanceof PullError ? err : new PullError("internal_error", `the pull failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    logger.warn({ code: error.code, err: error.message }, "pull failed");
    const published = await ctx.events.publish(cmd.pullId, { type: "model.pull.failed", error: error.toEventError() });
    return published ? "settled" : "unpublished";
  }
}

async function pull(cmd: ModelPullCommand, ctx: PullContext, logger: Logger): Promise<PullResult> {
  const target = resolvePullTarget(cmd, ctx.config.MODELS_DIR);
  const distribute = cmd.distribute ?? ctx.config.FETCHER_DISTRIBUTE;

  // A digest known up front lets a file already in place be confirmed without asking the hub.
  if (target.sha256) {
    const present = await presentManifest(ctx, target, target.sha256, null);
    if (present) return { manifest: await distributeIfAsked(ctx, present, target, distribute), alreadyPresent: true, downloadedBytes: 0 };
  }

  const hubFile = await probeWithRetries(ctx, target);
  const expectedSha256 = target.sha256 ?? hubFile.sha256;
  const digestSource: DigestSource = target.digestSource ?? (hubFile.sha256 ? "hub" : null);
  const present = await presentManifest(ctx, target, expectedSha256, hubFile.commit);
  if (present) return { manifest: await distributeIfAsked(ctx, present, target, distribute), alreadyPresent: true, downloadedBytes: 0 };

  const source: ModelSource = { repo: target.repo, file: target.file, revision: target.revision, commit: hubFile.commit, preset: target.preset, url: hubFile.url };
  const key = ActiveDownloads.key(target.repo, hubFile.commit ?? target.revision, target.file);
  const running = ctx.active.get(key);
  const lead = running
    ? await join(cmd, ctx, { running, target, source, expectedSha256, digestSource })
    : await download(cmd, ctx, { key, target, hubFile, source, expectedSha256, digestSource, logger });
  return { ...lead, manifest: await distributeIfAsked(ctx, lead.manifest, target, distribute) };
}

/** Asks the hub about the file, trying again after a network error or a 5xx like a broken download does. */
async function probeWithRetries(ctx: PullContext, target: PullTarget): Promise<HubFile> {
  let delay = ctx.config.FETCHER_RETRY_DELAY_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.hub.probe(target.repo, target.file, target.revision, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) throw new PullAborted("stopped");
      const transient = err instanceof PullError && (err.code === "network_error" || err.code === "upstream_error");
      if (!transient || attempt >= ctx.config.FETCHER_MAX_RETRIES) throw err;
      ctx.logger.warn({ err: err.message, retryInMs: delay }, "asking the hub failed; trying again");
      await sleep(delay, undefined, { signal: ctx.signal }).catch(() => {});
      delay = Math.min(30_000, delay * 2);
    }
  }
}

/** The manifest of the file in place when it is complete and has the expected digest (or, with none known, the same commit). */
async function presentManifest(ctx: PullContext, target: PullTarget, expectedSha256: string | null, commit: string | null): Promise<ModelManifest | null> {
  const manifest = await readManifest(ctx.config.MODELS_DIR, target.file);
  if (!manifest) return null;
  const info = await stat(target.dest).catch(() => null);
  if (!info?.isFile() || info.size !== manifest.sizeBytes) return null;
  if (expectedSha256) return manifest.sha256 === expectedSha256 ? manifest : null;
  return commit !== null && manifest.source?.commit === commit ? manifest : null;
}

interface DownloadPlan {
  key: string;
  target: PullTarget;
  hubFile: HubFile;
  source: ModelSource;
  expectedSha256: string | null;
  digestSource: DigestSource;
  logger: Logger;
}

/** Downloads, verifies and puts the file in place, as the one pull of it others may join. */
async function download(cmd: ModelPullCommand, ctx: PullContext, plan: DownloadPlan): Promise<PullResult> {
  const { target, hubFile, source, expectedSha256, digestSource, logger } = plan;
  const part = `${target.dest}.part`;
  const active = new ActiveDownload(cmd.pullId, hubFile.sizeBytes);
  const done = ctx.active.start(plan.key, active);
  try {
    const result = await downloadLocked();
    active.settle.resolve({ manifest: result.manifest, downloadedBytes: result.downloadedBytes });
    return result;
  } catch (err) {
    active.settle.reject(err);
    throw err;
  } finally {
    done();
  }

  async function downloadLocked(): Promise<PullResult> {
    let have = await partSize(part);
    if (hubFile.sizeBytes !== null && have > hubFile.sizeBytes) have = 0;
    active.bytes = have;
    if (hubFile.sizeBytes !== null) await ensureDiskSpace(ctx.config.MODELS_DIR, hubFile.sizeBytes - have, ctx.config.FETCHER_DISK_HEADROOM);
    else await ensureDiskSpace(ctx.config.MODELS_DIR, 0, ctx.config.FETCHER_DISK_HEADROOM);
    await ctx.events.publish(cmd.pullId, {
      type: "model.pull.started",
      name: target.name,
      source,
      totalBytes: hubFile.sizeBytes,
      resumedFromBytes: have,
      joinedPullId: null,
      expectedSha256,
      digestSource,
    });
    if (!expectedSha256) logger.warn({ repo: target.repo, file: target.file }, "no digest known for this file: it will be accepted unverified");

    const lock = await acquirePartLock(part, ctx.signal, () => logger.info({ part }, "another fetcher is writing this file; waiting for it"));
    try {
      // Whoever held the lock may have finished the very same file meanwhile.
      const present = await presentManifest(ctx, target, expectedSha256, hubFile.commit);
      if (present) return { manifest: present, alreadyPresent: true, downloadedBytes: 0 };

      const meter = new ProgressMeter({
        intervalMs: ctx.config.FETCHER_PROGRESS_INTERVAL_MS,
        totalBytes: hubFile.sizeBytes,
        read: () => active.bytes,
        report: (sample) => ctx.events.publish(cmd.pullId, { type: "model.pull.progress", ...sample }),
      });
      let result;
      try {
        result = await resumableDownload({
          open: (from, signal) => ctx.hub.download(hubFile.url, from, signal),
          errorFor: (res) => ctx.hub.errorFor(res, target),
          partPath: part,
          expectedBytes: hubFile.sizeBytes,
          signal: ctx.signal,
          onProgress: (bytes) => {
            active.bytes = bytes;
          },
          maxRetries: ctx.config.FETCHER_MAX_RETRIES,
          retryDelayMs: ctx.config.FETCHER_RETRY_DELAY_MS,
          logger,
        });
      } finally {
        await meter.stop();
      }

      if (expectedSha256 && result.sha256 !== expectedSha256) {
        await rm(part, { force: true });
        const from = { request: "the pull asked for", preset: "the preset expects", hub: "the hub reports" }[digestSource ?? "hub"];
        throw new PullError(
          "digest_mismatch",
          `${target.file} downloaded with sha256 ${result.sha256}, but ${from} ${expectedSha256}; the download was deleted. Pull again; if it keeps happening, the file changed upstream or the expected digest is wrong`,
        );
      }
      const summary = await checkModelFile(part, `${target.repo}/${target.file}`).catch(async (err: unknown) => {
        await rm(part, { force: true });
        throw err;
      });
      await mkdir(dirname(target.dest), { recursive: true });
      await rename(part, target.dest);
      const manifest: ModelManifest = {
        v: 1,
        name: target.name,
        file: target.file,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
        architecture: summary.architecture,
        quantization: summary.quantization,
        contextLength: summary.contextLength,
        parameterCount: summary.parameterCount,
        hasChatTemplate: summary.hasChatTemplate,
        source,
        object: null,
        verifiedAt: Date.now(),
        digestSource: expectedSha256 ? digestSource : null,
      };
      await writeManifest(ctx.config.MODELS_DIR, manifest);
      return { manifest, alreadyPresent: false, downloadedBytes: result.downloadedBytes };
    } finally {
      await lock.release();
    }
  }
}

/** Follows a download of the same file another pull in this process started, reporting as its own. */
async function join(
  cmd: ModelPullCommand,
  ctx: PullContext,
  { running, target, source, expectedSha256, digestSource }: { running: ActiveDownload; target: PullTarget; source: ModelSource; expectedSha256: string | null; digestSource: DigestSource },
): Promise<PullResult> {
  await ctx.events.publish(cmd.pullId, {
    type: "model.pull.started",
    name: target.name,
    source,
    totalBytes: running.totalBytes,
    resumedFromBytes: running.bytes,
    joinedPullId: running.leaderPullId,
    expectedSha256,
    digestSource,
  });
  const meter = new ProgressMeter({
    intervalMs: ctx.config.FETCHER_PROGRESS_INTERVAL_MS,
    totalBytes: running.totalBytes,
    read: () => running.bytes,
    report: (sample) => ctx.events.publish(cmd.pullId, { type: "model.pull.progress", ...sample }),
  });
  let lead: LeadResult;
  try {
    lead = await running.result;
  } finally {
    await meter.stop();
  }
  if (expectedSha256 && lead.manifest.sha256 !== expectedSha256) {
    throw new PullError("digest_mismatch", `${target.file} has sha256 ${lead.manifest.sha256}, but this pull expects ${expectedSha256}; the file in place was kept for the pull that verified it`);
  }
  return { manifest: lead.manifest, alreadyPresent: false, downloadedBytes: lead.downloadedBytes };
}

/** Puts the file into the `models` object store when asked and not done yet; records it in the manifest. */
async function distributeIfAsked(ctx: PullContext, manifest: ModelManifest, target: PullTarget, distribute: boolean): Promise<ModelManifest> {
  if (!distribute || manifest.object) return manifest;
  try {
    const store = await ctx.modelStore();
    await putModelFile(store, { object: manifest.file, path: target.dest, sha256: manifest.sha256 });
  } catch (err) {
    throw new PullError(
      "object_store_error",
      `${manifest.file} is verified and in place, but storing it in the models object store failed: ${err instanceof Error ? err.message : String(err)}; pull again to retry, or pull with distribute off`,
      undefined,
      { cause: err },
    );
  }
  const updated = { ...manifest, object: manifest.file };
  await writeManifest(ctx.config.MODELS_DIR, updated);
  return updated;
}
