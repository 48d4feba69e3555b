import type { PipelineRunSummary } from "@lantern/shared/contracts";

/** A run with its reruns under it. */
export interface RunNode {
  run: PipelineRunSummary;
  children: RunNode[];
}

/**
 * Runs as a tree: each rerun under its parent, oldest child first; a run whose parent is not in
 * the list (aged out of it) is a root. Roots keep the listing's order (newest first).
 */
export function runTree(runs: PipelineRunSummary[]): RunNode[] {
  const nodes = new Map(runs.map((run) => [run.id, { run, children: [] as RunNode[] }]));
  const roots: RunNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.run.parentRunId ? nodes.get(node.run.parentRunId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  for (const node of nodes.values()) node.children.sort((a, b) => a.run.createdAt.localeCompare(b.run.createdAt));
  return roots;
}
