import { useEffect, useRef, useState } from "preact/hooks";
import type { ModelPreset, ModelPullEvent } from "@lantern/shared/contracts";
import { followPull, modelLibrary, type PullRequest } from "../api/model-library-client.js";
import { actionError } from "./action-error.js";
import { byteSize } from "./byte-size.js";

interface PullState {
  pullId: string;
  label: string;
  received: number;
  total: number | null;
  bytesPerSecond: number;
  phase: "queued" | "downloading" | "done" | "failed";
  message: string | null;
}

const percentOf = (p: PullState) => (p.phase === "done" ? 100 : p.total ? Math.min(100, Math.floor((p.received / p.total) * 100)) : 0);

/** The pull's state after one of its events. */
function advance(state: PullState, event: ModelPullEvent): PullState {
  switch (event.type) {
    case "model.pull.started":
      return { ...state, phase: "downloading", total: event.totalBytes, received: event.resumedFromBytes };
    case "model.pull.progress":
      return { ...state, phase: "downloading", received: event.receivedBytes, total: event.totalBytes ?? state.total, bytesPerSecond: event.bytesPerSecond };
    case "model.pull.done":
      return { ...state, phase: "done", received: event.model.sizeBytes, total: event.model.sizeBytes, message: event.alreadyPresent ? `${event.model.name} was already here, verified.` : `${event.model.name} is pulled and verified.` };
    case "model.pull.failed":
      return { ...state, phase: "failed", message: event.error.message + (event.error.nearMatches?.length ? ` Did you mean: ${event.error.nearMatches.join(", ")}?` : "") };
  }
}

/** Pull a preset or a Hugging Face file, with a live progress bar fed by the pull's events, and cancel. */
export function PullPanel({ onPulled, tokenVersion }: { onPulled: () => void; tokenVersion: number }) {
  const [presets, setPresets] = useState<ModelPreset[]>([]);
  const [presetsError, setPresetsError] = useState<string | null>(null);
  const [preset, setPreset] = useState("");
  const [repo, setRepo] = useState("");
  const [file, setFile] = useState("");
  const [pull, setPull] = useState<PullState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const following = useRef<AbortController | null>(null);

  useEffect(() => {
    modelLibrary.presets().then(
      (list) => {
        setPresets(list);
        setPresetsError(null);
        setPreset((current) => current || list[0]?.name || "");
      },
      (err: unknown) => setPresetsError(actionError("Listing the presets", err)),
    );
  }, [tokenVersion]);
  useEffect(() => () => following.current?.abort(), []);

  const start = async (request: PullRequest, label: string) => {
    setError(null);
    following.current?.abort();
    const abort = new AbortController();
    following.current = abort;
    try {
      const { pullId } = await modelLibrary.pull(request);
      let state: PullState = { pullId, label, received: 0, total: null, bytesPerSecond: 0, phase: "queued", message: null };
      setPull(state);
      for await (const event of followPull(pullId, abort.signal)) {
        state = advance(state, event);
        setPull(state);
      }
      if (state.phase === "done") onPulled();
    } catch (err) {
      if (!abort.signal.aborted) setError(actionError(`Pulling ${label}`, err));
    }
  };

  const cancel = async () => {
    if (!pull) return;
    try {
      setError(null);
      await modelLibrary.cancel(pull.pullId);
    } catch (err) {
      setError(actionError("Cancelling the pull", err));
    }
  };

  const busy = pull !== null && (pull.phase === "queued" || pull.phase === "downloading");
  const percent = pull ? percentOf(pull) : 0;
  return (
    <section class="panel pull-panel">
      <h3>Pull a model</h3>
      <form
        class="pull-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (preset) void start({ preset }, preset);
        }}
      >
        <label>
          Preset
          <select data-testid="preset-picker" value={preset} onChange={(e) => setPreset(e.currentTarget.value)}>
            {presets.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({byteSize(p.sizeBytes)})
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !preset}>
          Pull preset
        </button>
      </form>
      {presetsError ? <div class="models-note">{presetsError}</div> : null}
      <form
        class="pull-row"
        onSubmit={(e) => {
          e.preventDefault();
          void start({ repo: repo.trim(), file: file.trim() }, `${repo.trim()}/${file.trim()}`);
        }}
      >
        <label>
          Hugging Face repository
          <input data-testid="pull-repo" value={repo} placeholder="owner/name" onInput={(e) => setRepo(e.currentTarget.value)} />
        </label>
        <label class="grow">
          File
          <input data-testid="pull-file" value={file} placeholder="model-q4_k_m.gguf" onInput={(e) => setFile(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy || !repo.trim() || !file.trim()}>
          Pull file
        </button>
      </form>
      {pull ? (
        <div class={`pull-status ${pull.phase}`} data-testid="pull-status" data-phase={pull.phase}>
          <div class="pull-line">
            <span class="pull-label">{pull.label}</span>
            <span data-testid="pull-percent">{percent}%</span>
            <span class="muted">
              {byteSize(pull.received)} of {byteSize(pull.total)}
              {pull.phase === "downloading" && pull.bytesPerSecond > 0 ? ` · ${byteSize(pull.bytesPerSecond)}/s` : ""}
            </span>
            {busy ? (
              <button type="button" class="danger" onClick={() => void cancel()}>
                Cancel
              </button>
            ) : null}
          </div>
          <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} data-testid="pull-progress">
            <div class="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          {pull.message ? <div class="pull-message">{pull.message}</div> : null}
        </div>
      ) : null}
      {error ? (
        <div class="error-box" role="alert" data-testid="pull-error">
          {error}
        </div>
      ) : null}
    </section>
  );
}
