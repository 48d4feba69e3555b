import { formatBytes } from "@lantern/shared/config";
import type { ModelPullDoneEvent, ModelPullEvent, ModelPullFailedEvent } from "@lantern/shared/contracts";
import { progressBar, progressText } from "./progress-line.js";

type StartedEvent = Extract<ModelPullEvent, { type: "model.pull.started" }>;
type ProgressEvent = Extract<ModelPullEvent, { type: "model.pull.progress" }>;

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** How a pull is shown: events as they come, and notes about what the CLI itself does. */
export interface PullView {
  event(event: ModelPullEvent): void;
  /** Something the CLI did or decided (fell back to a local fetcher, stopped following, ...). */
  note(text: string): void;
}

/** With `--json`: every event as one JSON line on stdout; notes on stderr, so stdout stays parseable. */
export function jsonPullView(stdout: Output, stderr: Output): PullView {
  return {
    event: (event) => stdout.write(`${JSON.stringify(event)}\n`),
    note: (text) => stderr.write(`${text}\n`),
  };
}

// Without a terminal, a line every few seconds: enough to see it move, little enough for a log.
const PLAIN_PROGRESS_EVERY_MS = 3_000;

/** For people: a redrawn progress bar on a terminal, a plain line every few seconds otherwise. */
export function humanPullView(stdout: Output, stderr: Output, modelsDir: string, now: () => number = Date.now): PullView {
  let barShown = false;
  let lastPlainAt = -Infinity;
  let name = "";

  const clearBar = () => {
    if (barShown) stdout.write("\r\x1b[2K");
    barShown = false;
  };
  const line = (text: string) => {
    clearBar();
    stdout.write(`${text}\n`);
  };

  const started = (e: StartedEvent) => {
    name = e.name;
    const from = `${e.source.repo}/${e.source.file}@${e.source.commit ?? e.source.revision}`;
    const size = e.totalBytes === null ? "size unknown" : formatBytes(e.totalBytes);
    line(`Pulling ${e.name} from ${from} (${size})${e.source.preset ? ` [preset ${e.source.preset}]` : ""}`);
    if (e.resumedFromBytes > 0) line(`  resuming: ${formatBytes(e.resumedFromBytes)} already on disk`);
    if (e.joinedPullId) line(`  the same file is already being pulled (${e.joinedPullId}); following that download`);
  };

  const progress = (e: ProgressEvent) => {
    if (stdout.isTTY) {
      stdout.write(`\r\x1b[2K${progressBar(e, Math.max(40, (stdout.columns ?? 80) - 1))}`);
      barShown = true;
      return;
    }
    if (now() - lastPlainAt < PLAIN_PROGRESS_EVERY_MS) return;
    lastPlainAt = now();
    line(`${name || e.pullId}: ${progressText(e)}`);
  };

  const done = (e: ModelPullDoneEvent) => {
    const m = e.model;
    line(e.alreadyPresent ? `${m.name} is already here: nothing to download.` : `${m.name} is ready to load (${formatBytes(e.downloadedBytes)} in ${(e.durationMs / 1000).toFixed(1)} s).`);
    line(`  name    ${m.name}`);
    line(`  file    ${m.file} (in ${modelsDir})`);
    line(`  size    ${formatBytes(m.sizeBytes)} (${m.sizeBytes} bytes)`);
    line(`  sha256  ${m.sha256}`);
    const about = [m.architecture, m.quantization, m.contextLength === null ? null : `context ${m.contextLength}`].filter(Boolean).join(", ");
    if (about) line(`  model   ${about}`);
    if (m.source) line(`  source  ${m.source.repo}/${m.source.file}@${m.source.commit ?? m.source.revision}`);
    if (m.object) line(`  object  ${m.object} (in the models object store, for workers on other hosts)`);
    line("");
    line("Serve it:");
    line(`  INFERENCE_MODELS=${m.name}=${m.file} npm start`);
    line(`  or load it on a running worker: {"v":1,"op":"load","model":{"name":"${m.name}","file":"${m.file}"}} on control.worker.<workerId>.models`);
    line("The admin API lists it under GET /api/models.");
  };

  const failed = (e: ModelPullFailedEvent) => {
    clearBar();
    stderr.write(`Pull failed (${e.error.code}): ${e.error.message}\n`);
    if (e.error.nearMatches?.length) stderr.write(`Did you mean: ${e.error.nearMatches.join(", ")}\n`);
  };

  return {
    event(event) {
      if (event.type === "model.pull.started") started(event);
      else if (event.type === "model.pull.progress") progress(event);
      else if (event.type === "model.pull.done") done(event);
      else failed(event);
    },
    note(text) {
      clearBar();
      stderr.write(`${text}\n`);
    },
  };
}
