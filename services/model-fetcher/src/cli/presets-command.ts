import { formatBytes } from "@lantern/shared/config";
import type { Output } from "./pull-view.js";

/** What the CLI shows of a preset (the catalogue's entries have at least these fields). */
interface PresetListing {
  name: string;
  repo: string;
  file: string;
  revision: string;
  sha256: string | null;
  sizeBytes: number | null;
  contextLength: number | null;
  notes?: string | null;
}

export type PresetSource = () => readonly PresetListing[];

export function printPresets(out: Output, presets: readonly PresetListing[], json: boolean): void {
  if (json) {
    out.write(`${JSON.stringify({ presets }, null, 2)}\n`);
    return;
  }
  const rows = [
    ["PRESET", "SIZE", "CONTEXT", "DIGEST", "SOURCE"],
    ...presets.map((p) => [
      p.name,
      p.sizeBytes === null ? "-" : formatBytes(p.sizeBytes),
      p.contextLength === null ? "-" : String(p.contextLength),
      p.sha256 ? "pinned" : "hub's",
      `${p.repo}/${p.file}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`);
  out.write("\nPull one with: npm run models -- pull <preset>\n");
}
