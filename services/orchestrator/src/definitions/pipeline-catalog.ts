import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import { ModelsFile, PipelineFile, type PipelineDefinitionSummary } from "@lantern/shared/contracts";
import { resolvePipeline, type ResolvedPipeline } from "./resolved-pipeline.js";
import { stringify } from "yaml";
import { DefinitionError, InlineSource, SourceFile } from "./source-file.js";

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

export class PipelineExistsError extends Error {
  override name = "PipelineExistsError";
  constructor(
    readonly pipeline: string,
    readonly file: string,
  ) {
    super(`A pipeline named '${pipeline}' exists (${file}): save with overwrite to replace it.`);
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

  /** A definition sent whole, checked like a file (its problems name the field under `definition`) and resolved against models.yaml. */
  async resolveInline(name: string, definition: unknown): Promise<ResolvedPipeline> {
    const models = await this.models();
    const source = new InlineSource("definition");
    const pipeline = source.validate(PipelineFile, definition);
    return resolvePipeline({ name, pipeline, source, ...models });
  }

  /** The named pipeline's file as written (not checked: an invalid one is shown to be fixed). */
  async source(name: string): Promise<{ file: string; definition: unknown }> {
    const files = await this.pipelineFiles();
    const file = files.get(name);
    if (!file) throw new PipelineNotFoundError(name, [...files.keys()]);
    return { file: this.label(file), definition: SourceFile.parse(this.label(file), await readFile(file, "utf8")).toJS() };
  }

  /**
   * Writes a definition, checked as a run would check it, as `<name>.yaml` (or over the file that
   * already holds that name, in its format); through a temporary file, so a reader never sees half.
   */
  async save(name: string, definition: unknown, overwrite: boolean): Promise<{ file: string; created: boolean }> {
    await this.resolveInline(name, definition);
    const existing = (await this.pipelineFiles()).get(name);
    if (existing && !overwrite) throw new PipelineExistsError(name, this.label(existing));
    const file = existing ?? join(this.opts.dir, `${name}.yaml`);
    const text = extname(file) === ".json" ? `${JSON.stringify(definition, null, 2)}\n` : stringify(definition);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, file);
    return { file: this.label(file), created: !existing };
  }

  /** models.yaml, checked, with where its files are; and which pipelines name each model. */
  async modelsInfo(): Promise<{ models: ModelsFile; label: string; modelsDirectory: string; usedBy: Map<string, string[]> }> {
    const { models, modelsSource, modelsDirectory } = await this.models();
    const usedBy = new Map<string, string[]>();
    for (const name of (await this.pipelineFiles()).keys()) {
      const pipeline = await this.get(name).catch((err: unknown) => {
        if (err instanceof DefinitionError) return undefined;
        throw err;
      });
      const named = new Set(pipeline?.stages.flatMap((s) => Object.keys(s.modelOverrides)));
      for (const m of named) usedBy.set(m, [...(usedBy.get(m) ?? []), name]);
    }
    return { models, label: modelsSource.label, modelsDirectory, usedBy };
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
