import { readdir, readFile } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import { ModelsFile, PipelineFile, type PipelineDefinitionSummary } from "@lantern/shared/contracts";
import { resolvePipeline, type ResolvedPipeline } from "./resolved-pipeline.js";
import { DefinitionError, SourceFile } from "./source-file.js";

const EXTENSIONS = [".yaml", ".yml", ".json"];
const MODELS_BASENAME = "models";

export class PipelineNotFoundError extends Error {
  override name = "PipelineNotFoundError";
  constructor(
    readonly pipeline: string,
    readonly known: string[],
  ) {
    super(`No pipeline is named '${pipeline}'${known.length ? ` (defined: ${known.join(", ")})` : ""}.`);
  }
}

interface CatalogOptions {
  /** Holds `models.yaml` and one file per pipeline. */
  dir: string;
  /** Model files are looked for here when `models.yaml` names no `models_directory`. */
  modelsDir: string;
}

/**
 * The pipeline definitions of a directory, read again on every look-up so that an edited file
 * counts from the next run on, without a restart.
 */
export class PipelineCatalog {
  constructor(private readonly opts: CatalogOptions) {}

  /** The named pipeline, validated; PipelineNotFoundError or DefinitionError (with file:line) otherwise. */
  async get(name: string): Promise<ResolvedPipeline> {
    const files = await this.pipelineFiles();
    const file = files.get(name);
    if (!file) throw new PipelineNotFoundError(name, [...files.keys()]);
    const models = await this.models();
    const source = SourceFile.parse(this.label(file), await readFile(file, "utf8"));
    const pipeline = source.validate(PipelineFile);
    return resolvePipeline({ name, pipeline, source, ...models });
  }

  /** Every pipeline that validates, and a problem line for each that does not. */
  async list(): Promise<{ pipelines: PipelineDefinitionSummary[]; problems: string[] }> {
    const pipelines: PipelineDefinitionSummary[] = [];
    const problems: string[] = [];
    for (const name of (await this.pipelineFiles()).keys()) {
      try {
        const p = await this.get(name);
        pipelines.push({
          name: p.name,
          description: p.description,
          stages: p.stages.map((s) => ({ name: s.name, kind: s.kind, models: s.models, aggregation: s.aggregation?.method ?? null })),
        });
      } catch (err) {
        if (err instanceof DefinitionError) problems.push(...err.problems);
        else throw err;
      }
    }
    return { pipelines, problems };
  }

  private async models() {
    const file = await this.find(MODELS_BASENAME);
    if (!file) {
      throw new DefinitionError([`${this.opts.dir}: no models.yaml: define the models pipelines use there (see pipelines/models.yaml in the repository)`]);
    }
    const modelsSource = SourceFile.parse(this.label(file), await readFile(file, "utf8"));
    const models = modelsSource.validate(ModelsFile);
    const dir = models.models_directory;
    const modelsDirectory = dir === undefined ? this.opts.modelsDir : isAbsolute(dir) ? dir : resolve(this.opts.dir, dir);
    return { models, modelsSource, modelsDirectory };
  }

  private async find(base: string): Promise<string | undefined> {
    const names = await this.entries();
    const hit = EXTENSIONS.map((ext) => `${base}${ext}`).find((n) => names.includes(n));
    return hit ? join(this.opts.dir, hit) : undefined;
  }

  private async pipelineFiles(): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    for (const entry of (await this.entries()).sort()) {
      const ext = extname(entry);
      const name = basename(entry, ext);
      if (!EXTENSIONS.includes(ext) || name === MODELS_BASENAME || files.has(name)) continue;
      files.set(name, join(this.opts.dir, entry));
    }
    return files;
  }

  private async entries(): Promise<string[]> {
    try {
      return await readdir(this.opts.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  /** Paths in messages: relative to the working directory when inside it. */
  private label(file: string): string {
    const rel = relative(process.cwd(), file);
    return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
  }
}
