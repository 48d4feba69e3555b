import { formatBytes } from "@lantern/shared/config";
import type { ModelManifest, ModelSource } from "@lantern/shared/contracts";
import { GgufSummaryCache, type GgufSummary } from "@lantern/shared/gguf";
import { listLocalModels, sha256OfFile, writeManifest, type LocalModel } from "@lantern/shared/model-files";
import type { Output } from "./pull-view.js";

interface ListedModel {
  name: string;
  file: string;
  sizeBytes: number;
  architecture: string | null;
  quantization: string | null;
  contextLength: number | null;
  /** From the manifest, or computed with `--digest`; null when neither. */
  sha256: string | null;
  source: ModelSource | null;
  /** Why the file's GGUF header could not be read. */
  error: string | null;
}

/**
 * The models on disk: manifest facts where the fetcher wrote one, the GGUF header otherwise. With
 * `digest`, files without a manifest are hashed and get one, so the next listing is instant.
 */
export async function listModels(modelsDir: string, opts: { digest?: boolean } = {}): Promise<ListedModel[]> {
  const summaries = new GgufSummaryCache();
  const models = await listLocalModels(modelsDir);
  const listed: ListedModel[] = [];
  for (const model of models) listed.push(await describe(modelsDir, model, summaries, opts.digest ?? false));
  return listed;
}

async function describe(modelsDir: string, model: LocalModel, summaries: GgufSummaryCache, digest: boolean): Promise<ListedModel> {
  const base = { name: model.name, file: model.file, sizeBytes: model.sizeBytes };
  const m = model.manifest;
  if (m && m.sizeBytes === model.sizeBytes) {
    return { ...base, architecture: m.architecture, quantization: m.quantization, contextLength: m.contextLength, sha256: m.sha256, source: m.source, error: null };
  }
  let summary: GgufSummary | null = null;
  let error: string | null = null;
  try {
    summary = await summaries.read(model.path, { mtimeMs: model.mtimeMs, size: model.sizeBytes });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  let sha256: string | null = null;
  if (digest) {
    sha256 = await sha256OfFile(model.path);
    if (summary) {
      const manifest: ModelManifest = {
        v: 1,
        name: model.name,
        file: model.file,
        sizeBytes: model.sizeBytes,
        sha256,
        architecture: summary.architecture,
        quantization: summary.quantization,
        contextLength: summary.contextLength,
        parameterCount: summary.parameterCount,
        hasChatTemplate: summary.hasChatTemplate,
        source: null,
        object: null,
        verifiedAt: Date.now(),
      };
      await writeManifest(modelsDir, manifest);
    }
  }
  return {
    ...base,
    architecture: summary?.architecture ?? null,
    quantization: summary?.quantization ?? null,
    contextLength: summary?.contextLength ?? null,
    sha256,
    source: null,
    error,
  };
}

const sourceText = (s: ModelSource | null) => (s ? (s.preset ? `preset ${s.preset}` : `${s.repo}@${(s.commit ?? s.revision).slice(0, 12)}`) : "-");

/** A table for people; digests cut to 12 digits (`--json` has them whole). */
export function printModelTable(out: Output, modelsDir: string, models: readonly ListedModel[]): void {
  if (models.length === 0) {
    out.write(`No models in ${modelsDir}. Get one with: npm run models -- pull <preset> (see npm run models -- presets)\n`);
    return;
  }
  const rows = [
    ["NAME", "SIZE", "ARCH", "QUANT", "CONTEXT", "SHA256", "SOURCE", "FILE"],
    ...models.map((m) => [
      m.name,
      formatBytes(m.sizeBytes),
      m.architecture ?? (m.error ? "unreadable" : "-"),
      m.quantization ?? "-",
      m.contextLength === null ? "-" : String(m.contextLength),
      m.sha256 ? m.sha256.slice(0, 12) : "-",
      sourceText(m.source),
      m.file,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`);
  const unhashed = models.filter((m) => !m.sha256).length;
  if (unhashed > 0) out.write(`\n${unhashed} file(s) without a recorded digest: \`npm run models -- list --digest\` computes and stores it.\n`);
  out.write(`Models dir: ${modelsDir}\n`);
}
