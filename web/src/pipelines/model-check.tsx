import type { PipelineCheck } from "@lantern/shared/contracts";

/** Whether a pipeline can start now: each model it needs served or loadable, or why not with the numbers. */
export function ModelCheck({ check }: { check: PipelineCheck | null }) {
  if (!check) return null;
  return (
    <div class={`model-check ${check.ready ? "ready" : "not-ready"}`} data-testid="model-check">
      <strong>{check.ready ? "Every model is served or can be loaded" : "This pipeline cannot start as things are"}</strong>
      <ul>
        {check.models.map((m) => (
          <li key={m.name} title={m.detail}>
            <span class={`tag ${m.readiness}`}>{m.readiness.replace("_", " ")}</span> <strong>{m.name}</strong> <span class="muted small">{m.detail}</span>
          </li>
        ))}
        {check.models.length === 0 ? check.problems.map((p) => <li key={p} class="bad small">{p}</li>) : null}
      </ul>
    </div>
  );
}
