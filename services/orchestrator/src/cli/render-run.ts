import type { PipelineEvent, PipelineRunSummary, PipelineRunView } from "@lantern/shared/contracts";

/** One line of progress for an event, or null for those shown otherwise (text deltas). */
export function progressLine(event: PipelineEvent): string | null {
  switch (event.type) {
    case "run.queued":
      return `run ${event.runId} queued (${event.pipeline}${event.parentRunId ? `, rerun of ${event.parentRunId}` : ""})`;
    case "run.started":
      return event.attempt > 1 ? `run started (try ${event.attempt})` : "run started";
    case "stage.started":
      return `stage ${event.index + 1} '${event.stage}' started: ${event.models.join(", ")}${event.attempt > 1 ? ` (try ${event.attempt})` : ""}`;
    case "stage.completed":
      return `stage ${event.index + 1} '${event.stage}' ${event.reused ? "taken from a checkpoint" : "done"}`;
    case "stage.failed":
      return `stage ${event.index + 1} '${event.stage}' failed: ${event.error}${event.willRetry ? " (will retry)" : ""}`;
    case "run.completed":
      return "run completed";
    case "run.failed":
      return `run failed: ${event.error}`;
    case "run.cancelled":
      return `run cancelled: ${event.reason}`;
    case "stage.delta":
    case "stage.answer.delta":
      return null;
  }
}

/** A run with its stages, for reading. */
export function describeRun(run: PipelineRunView): string {
  const lines = [
    `run ${run.id}  ${run.pipeline}  ${run.status}${run.parentRunId ? `  (rerun of ${run.parentRunId} from '${run.rerunFromStage}')` : ""}`,
    `  input: ${oneLine(run.input)}`,
  ];
  for (const s of run.stages) {
    const how = s.reusedFromRunId ? `reused from ${s.reusedFromRunId}` : `${s.attempts} ${s.attempts === 1 ? "try" : "tries"}`;
    lines.push(`  ${s.index + 1}. ${s.name} [${s.kind}${s.aggregation ? `, ${s.aggregation}` : ""}] ${s.status} (${how})`);
    for (const a of s.answers) {
      lines.push(`     - ${a.model}${a.role === "synthesis" ? " (synthesis)" : ""}: ${oneLine(a.text)}  [${a.completionTokens} tokens, ${a.ms} ms]`);
    }
    if (s.votes) lines.push(`     votes: ${Object.entries(s.votes).map(([c, n]) => `${c}=${n}`).join(" ")}`);
    if (s.error) lines.push(`     error: ${s.error}`);
  }
  if (run.output !== null) lines.push(`  output: ${oneLine(run.output)}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  lines.push(`  tokens: ${run.usage.promptTokens} prompt, ${run.usage.completionTokens} completion`);
  return lines.join("\n");
}

/** Runs as a forest: each rerun under the run it came from, newest roots first. */
export function historyTree(runs: PipelineRunSummary[]): string {
  const ids = new Set(runs.map((r) => r.id));
  const children = new Map<string, PipelineRunSummary[]>();
  for (const r of runs) if (r.parentRunId && ids.has(r.parentRunId)) children.set(r.parentRunId, [...(children.get(r.parentRunId) ?? []), r]);
  const lines: string[] = [];
  const walk = (run: PipelineRunSummary, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? "" : last ? "└─ " : "├─ ";
    const from = run.rerunFromStage ? ` from '${run.rerunFromStage}'` : "";
    lines.push(`${prefix}${branch}${run.id}  ${run.pipeline}  ${run.status}${from}  ${run.createdAt}  ${oneLine(run.input, 40)}`);
    const kids = [...(children.get(run.id) ?? [])].reverse();
    kids.forEach((kid, i) => walk(kid, root ? "" : `${prefix}${last ? "   " : "│  "}`, i === kids.length - 1, false));
  };
  for (const r of runs) if (!r.parentRunId || !ids.has(r.parentRunId)) walk(r, "", true, true);
  return lines.length ? lines.join("\n") : "no runs yet";
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
