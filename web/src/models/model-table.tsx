import type { ModelEntry, ModelPlacement } from "@lantern/shared/contracts";
import { byteSize, paramCount } from "./byte-size.js";

interface ModelTableProps {
  models: ModelEntry[];
  onLoad(model: ModelEntry): void;
  onUnload(model: ModelEntry, placement: ModelPlacement): void;
  onDelete(model: ModelEntry): void;
  busy: boolean;
}

function Placement({ placement, onUnload, busy }: { placement: ModelPlacement; onUnload(): void; busy: boolean }) {
  const memory = placement.memory ? `${byteSize(placement.memory.ramBytes)} RAM${placement.memory.vramBytes ? ` + ${byteSize(placement.memory.vramBytes)} VRAM` : ""}` : "";
  return (
    <li class="placement" data-testid="placement" data-worker={placement.workerId} data-state={placement.state}>
      <span class={`state ${placement.state}`}>{placement.state}</span>
      <span title={`${placement.host} (${placement.pool})`}>{placement.workerId}</span>
      <span class="muted">
        {placement.freeSlots}/{placement.slots} slots free · ctx {placement.contextSize}
        {memory ? ` · ${memory}` : ""}
      </span>
      {placement.reason ? <span class="reason">{placement.reason}</span> : null}
      <button type="button" disabled={busy} onClick={onUnload}>
        Unload
      </button>
    </li>
  );
}

/** What is on disk (file, size, GGUF header) and where each model is loaded, with its actions. */
export function ModelTable({ models, onLoad, onUnload, onDelete, busy }: ModelTableProps) {
  if (models.length === 0) return <p class="muted models-empty">No models yet: pull one above.</p>;
  return (
    <table class="models-table">
      <thead>
        <tr>
          <th>Model</th>
          <th>Size</th>
          <th>Architecture</th>
          <th>Quantization</th>
          <th>Context</th>
          <th>Loaded on</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.name} data-testid="model-row" data-model={m.name}>
            <td>
              <div class="model-name">{m.name}</div>
              <div class="muted file" title={m.sha256 ?? undefined}>
                {m.file ?? "—"}
                {m.onDisk ? "" : " (not on this host)"}
              </div>
              {m.metadataError ? <div class="reason">{m.metadataError}</div> : null}
            </td>
            <td>{byteSize(m.sizeBytes)}</td>
            <td>
              {m.architecture ?? "—"}
              {m.parameterCount !== null ? <span class="muted"> · {paramCount(m.parameterCount)}</span> : null}
            </td>
            <td>{m.quantization ?? "—"}</td>
            <td>{m.contextLength ?? "—"}</td>
            <td>
              {m.loadedOn.length === 0 ? (
                <span class="muted">nowhere</span>
              ) : (
                <ul class="placements">
                  {m.loadedOn.map((p) => (
                    <Placement key={p.workerId} placement={p} busy={busy} onUnload={() => onUnload(m, p)} />
                  ))}
                </ul>
              )}
            </td>
            <td class="row-actions">
              <button type="button" class="primary" disabled={busy || !m.file} onClick={() => onLoad(m)}>
                Load…
              </button>
              <button type="button" class="danger" disabled={busy || !m.onDisk} onClick={() => onDelete(m)}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
