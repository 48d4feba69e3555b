import { useEffect, useState } from "preact/hooks";
import type { PipelineModelsReport } from "@lantern/shared/contracts";
import { pipelinesApi, PipelinesApiError } from "../api/pipelines-api.js";

const size = (bytes: number | null) =>
  bytes === null ? "—" : bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`;

/** Models: each model the definitions use, its file, the workers serving it and whether it fits where it is not served. */
export function ModelsTab() {
  const [report, setReport] = useState<PipelineModelsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => pipelinesApi.models().then(setReport, (err: unknown) => setError(err instanceof PipelinesApiError ? err.body.message : String(err)));
  useEffect(() => void load(), []);
  return (
    <div class="tab-body models-tab">
      <div class="run-tree-head">
        <span class="muted small">
          {report?.modelsFile ?? "models.yaml"} · files in {report?.modelsDirectory ?? "?"}
        </span>
        <button class="small-button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error ? <div class="error-box" role="alert">{error}</div> : null}
      {report?.problems.length ? (
        <ul class="issues">{report.problems.map((p) => <li key={p}><code>{p}</code></li>)}</ul>
      ) : null}
      <div class="scroll">
        <table data-testid="models-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>File</th>
              <th>On disk</th>
              <th>Used by</th>
              <th>Served by</th>
              <th>Memory</th>
              <th>Can run</th>
            </tr>
          </thead>
          <tbody>
            {(report?.models ?? []).map((m) => (
              <tr key={m.name} data-testid="model-row" data-model={m.name}>
                <td>
                  <strong>{m.name}</strong>
                  {m.requiredForBase ? <span class="tag">required</span> : null}
                </td>
                <td>
                  <code>{m.file}</code>
                  {m.quantization ? <span class="muted small"> {m.quantization}</span> : null}
                </td>
                <td class={m.onDisk ? "nowrap" : "bad nowrap"}>{m.onDisk ? size(m.sizeBytes) : "missing"}</td>
                <td>{m.usedBy.join(", ") || <span class="muted">—</span>}</td>
                <td>{m.servedBy.map((w) => `${w.workerId} (${w.pool}, ${w.state})`).join(", ") || <span class="muted">none</span>}</td>
                <td class="small nowrap">
                  {m.neededBytes !== null ? `needs ~${size(m.neededBytes)}` : "—"}
                  {m.bestFreeBytes !== null ? <div class="muted">{size(m.bestFreeBytes)} free at most</div> : null}
                </td>
                <td>
                  <span class={`tag ${m.readiness}`} data-testid="model-readiness">
                    {m.readiness.replace("_", " ")}
                  </span>
                  <div class="muted small">{m.detail}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Workers</h3>
      <div class="scroll">
        <table data-testid="workers-table">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Pool</th>
              <th>RAM free</th>
              <th>VRAM free</th>
              <th>Serves</th>
            </tr>
          </thead>
          <tbody>
            {(report?.workers ?? []).map((w) => (
              <tr key={w.workerId}>
                <td>
                  <code>{w.workerId}</code> <span class="muted small">{w.host}</span>
                </td>
                <td>{w.pool}</td>
                <td>
                  {size(w.ramFreeBytes)} / {size(w.ramTotalBytes)}
                </td>
                <td>{w.vramTotalBytes === null ? "—" : `${size(w.vramFreeBytes)} / ${size(w.vramTotalBytes)}`}</td>
                <td>{w.models.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report && report.workers.length === 0 ? <p class="muted">No live worker: start one (npm start runs one) to serve these models.</p> : null}
    </div>
  );
}
