import { useEffect, useState } from "preact/hooks";
import type { FleetWorker, ModelEntry, ModelFitAnswer, WorkerModelBody } from "@lantern/shared/contracts";
import { modelLibrary } from "../api/model-library-client.js";
import { actionError } from "./action-error.js";
import { byteSize } from "./byte-size.js";

interface LoadPanelProps {
  model: ModelEntry;
  workers: FleetWorker[];
  onClose(): void;
  onLoaded(message: string): void;
}

const freeText = (w: FleetWorker) => `${w.pool}, ${byteSize(w.hardware.ram.freeBytes)} RAM free${w.hardware.vram ? `, ${byteSize(w.hardware.vram.freeBytes)} VRAM free` : ""}`;

/** The spec a load sends: the file, and only the settings given (the worker's defaults fill the rest). */
function specOf(model: ModelEntry, contextSize: string, slots: string, gpuLayers: string): WorkerModelBody {
  return {
    name: model.name,
    file: model.file!,
    ...(contextSize.trim() ? { contextSize: Number(contextSize) } : {}),
    ...(slots.trim() ? { slots: Number(slots) } : {}),
    ...(gpuLayers.trim() && gpuLayers.trim() !== "auto" ? { gpuLayers: Number(gpuLayers) } : gpuLayers.trim() === "auto" ? { gpuLayers: "auto" as const } : {}),
  };
}

function FitNumbers({ answer }: { answer: ModelFitAnswer }) {
  const { fit } = answer;
  return (
    <div class={`fit ${answer.fits ? "fits" : "short"}`} data-testid="fit" data-fits={String(answer.fits)}>
      <div class="fit-verdict">{answer.fits ? "Fits on this worker" : "Does not fit on this worker"}</div>
      <table class="fit-table">
        <thead>
          <tr>
            <th />
            <th>Needed</th>
            <th>Free</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th>RAM</th>
            <td data-testid="fit-ram">{byteSize(fit.needed.ramBytes)}</td>
            <td>{byteSize(fit.available.ramBytes)}</td>
          </tr>
          <tr>
            <th>VRAM</th>
            <td>{byteSize(fit.needed.vramBytes)}</td>
            <td>{fit.available.vramBytes === null ? "no GPU" : byteSize(fit.available.vramBytes)}</td>
          </tr>
          {fit.capBytes !== null ? (
            <tr>
              <th>Worker limit</th>
              <td>{byteSize(fit.needed.ramBytes + fit.needed.vramBytes)}</td>
              <td>{byteSize(Math.max(0, fit.capBytes - fit.usedByWorkerBytes))}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <div class="muted">
        {fit.slots} slot{fit.slots === 1 ? "" : "s"} × {fit.contextSize} tokens over {fit.contexts} context{fit.contexts === 1 ? "" : "s"}, {fit.gpuLayers} of {fit.totalLayers} layers on the GPU
      </div>
      {answer.shortfalls.map((s) => (
        <div class="reason" key={s}>
          {s}
        </div>
      ))}
    </div>
  );
}

/*
 * The fields keep what is typed as it is typed (onInput): the page re-renders every few seconds with
 * the fleet, and a field whose state was only set on change would be reset to it mid-edit.
 */
const FIT_AFTER_TYPING_MS = 300;

/** Load a model file on a chosen worker, with the worker's estimate of what it takes shown first. */
export function LoadPanel({ model, workers, onClose, onLoaded }: LoadPanelProps) {
  const [workerId, setWorkerId] = useState(workers[0]?.workerId ?? "");
  const [contextSize, setContextSize] = useState("");
  const [slots, setSlots] = useState("");
  const [gpuLayers, setGpuLayers] = useState("");
  const [answer, setAnswer] = useState<ModelFitAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!workerId && workers[0]) setWorkerId(workers[0].workerId);
  }, [workers]);
  useEffect(() => {
    if (!workerId) return;
    let current = true;
    setAnswer(null);
    setError(null);
    // Asked once typing pauses, not once per keystroke.
    const timer = setTimeout(() => {
      modelLibrary.fit(workerId, specOf(model, contextSize, slots, gpuLayers)).then(
        (a) => current && setAnswer(a),
        (err: unknown) => current && setError(actionError("Estimating the memory", err)),
      );
    }, FIT_AFTER_TYPING_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [workerId, contextSize, slots, gpuLayers, model.name]);

  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      const { model: served } = await modelLibrary.load(workerId, specOf(model, contextSize, slots, gpuLayers));
      onLoaded(`${served.name} is ${served.state ?? "loaded"} on ${workerId}.`);
    } catch (err) {
      setError(actionError(`Loading ${model.name}`, err));
    } finally {
      setLoading(false);
    }
  };

  return (
    <section class="panel load-panel" data-testid="load-panel">
      <div class="load-head">
        <h3>
          Load {model.name} <span class="muted">({model.file})</span>
        </h3>
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      {workers.length === 0 ? <div class="error-box">No live worker to load it on: start one (npm run worker).</div> : null}
      <div class="load-form">
        <label>
          Worker
          <select data-testid="worker-picker" value={workerId} onChange={(e) => setWorkerId(e.currentTarget.value)}>
            {workers.map((w) => (
              <option key={w.workerId} value={w.workerId}>
                {w.workerId} ({freeText(w)})
              </option>
            ))}
          </select>
        </label>
        <label>
          Context size
          <input type="number" min={0} placeholder="worker default" value={contextSize} onInput={(e) => setContextSize(e.currentTarget.value)} />
        </label>
        <label>
          Slots
          <input type="number" min={1} max={64} placeholder="worker default" value={slots} onInput={(e) => setSlots(e.currentTarget.value)} />
        </label>
        <label>
          GPU layers
          <input placeholder="auto" value={gpuLayers} onInput={(e) => setGpuLayers(e.currentTarget.value)} />
        </label>
      </div>
      {answer ? <FitNumbers answer={answer} /> : workerId && !error ? <div class="muted">Asking the worker what it would take…</div> : null}
      {error ? (
        <div class="error-box" role="alert" data-testid="load-error">
          {error}
        </div>
      ) : null}
      <div class="load-actions">
        <button type="button" class="primary" data-testid="load-confirm" disabled={loading || !workerId} onClick={() => void load()}>
          {loading ? "Loading…" : `Load on ${workerId || "a worker"}`}
        </button>
      </div>
    </section>
  );
}
