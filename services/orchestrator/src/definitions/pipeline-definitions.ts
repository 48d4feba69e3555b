import type { PipelineCheck, PipelineDefinitionView, PipelineModelsReport, SavedDefinition } from "@lantern/shared/contracts";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";
import { freeBytesOf, isReady, modelStatus } from "./model-readiness.js";
import type { FleetModels } from "./model-availability.js";
import { PipelineExistsError, PipelineNotFoundError, type PipelineCatalog } from "./pipeline-catalog.js";
import type { ResolvedPipeline } from "./resolved-pipeline.js";
import { DefinitionError } from "./source-file.js";

/** Names no pipeline may be saved under: models.yaml's, and those the API's paths take (`/v1/pipelines/runs`, `/models`, `/check`). */
const RESERVED = new Set(["models", "runs", "check"]);

/**
 * A catalog error as the API's refusal: an unknown pipeline is 404, an invalid definition 422
 * naming every problem (and, for one sent inline, its first field as `param`).
 */
export function definitionFailure(err: unknown, name: string, inline: boolean): unknown {
  if (err instanceof PipelineNotFoundError) return new OrchestratorFailure(404, "pipeline_not_found", err.message, "name");
  if (err instanceof DefinitionError) {
    const param = inline ? `definition${err.fields[0] ? `.${err.fields[0]}` : ""}` : null;
    return new OrchestratorFailure(422, "invalid_pipeline_definition", `Pipeline '${name}' cannot run: its definition is invalid:\n${err.message}`, param);
  }
  return err;
}

/** What the web app's studio asks of the definitions: read one, save one, and the models they use. */
export class PipelineDefinitions {
  constructor(
    private readonly catalog: PipelineCatalog,
    private readonly fleet: FleetModels,
  ) {}

  async definition(name: string): Promise<PipelineDefinitionView> {
    const source = await this.catalog.source(name).catch((err: unknown) => {
      throw definitionFailure(err, name, false);
    });
    return { name, ...source };
  }

  async save(name: string, definition: unknown, overwrite: boolean): Promise<SavedDefinition> {
    if (RESERVED.has(name)) throw new OrchestratorFailure(400, "invalid_request", `'${name}' is reserved (${[...RESERVED].join(", ")}): name the pipeline otherwise.`, "name");
    try {
      return { name, ...(await this.catalog.save(name, definition, overwrite)) };
    } catch (err) {
      if (err instanceof PipelineExistsError) throw new OrchestratorFailure(409, "pipeline_exists", err.message, "name");
      throw definitionFailure(err, name, true);
    }
  }

  /** Every model of models.yaml: its file, where it is served, and whether it can be loaded. */
  async models(): Promise<PipelineModelsReport> {
    // The worker with the most room first: where a model not served would be loaded.
    const beats = (await this.fleet.heartbeats()).sort((a, b) => freeBytesOf(b) - freeBytesOf(a));
    const workers = beats.map((b) => ({
      workerId: b.workerId,
      host: b.host,
      pool: b.pool,
      ramFreeBytes: b.hardware.ram.freeBytes,
      ramTotalBytes: b.hardware.ram.totalBytes,
      vramFreeBytes: b.hardware.vram?.freeBytes ?? null,
      vramTotalBytes: b.hardware.vram?.totalBytes ?? null,
      models: b.models.map((m) => m.name),
    }));
    let info;
    try {
      info = await this.catalog.modelsInfo();
    } catch (err) {
      if (err instanceof DefinitionError) return { modelsFile: null, modelsDirectory: null, models: [], workers, problems: err.problems };
      throw err;
    }
    const models = await Promise.all(
      Object.entries(info.models.models).map(([name, m]) => modelStatus({ name, ...m }, info.modelsDirectory, beats, info.usedBy.get(name) ?? [])),
    );
    return { modelsFile: info.label, modelsDirectory: info.modelsDirectory, models, workers, problems: (await this.catalog.list()).problems };
  }

  /** Can the pipeline start now: its definition valid, and every model it needs served or loadable. */
  async check(req: { pipeline?: string | undefined; definition?: unknown }): Promise<PipelineCheck> {
    const name = req.pipeline ?? "definition";
    let pipeline: ResolvedPipeline;
    try {
      pipeline = req.definition !== undefined ? await this.catalog.resolveInline(name, req.definition) : await this.catalog.get(name);
    } catch (err) {
      if (err instanceof DefinitionError) return { ready: false, problems: err.problems, models: [] };
      throw definitionFailure(err, name, false);
    }
    const info = await this.catalog.modelsInfo();
    const beats = await this.fleet.heartbeats();
    const models = await Promise.all(
      Object.keys(pipeline.models).map((m) => modelStatus({ name: m, ...info.models.models[m]! }, pipeline.modelsDirectory, beats, info.usedBy.get(m) ?? [])),
    );
    const problems = models.filter((m) => !isReady(m)).map((m) => `model '${m.name}': ${m.detail}`);
    return { ready: problems.length === 0, problems, models };
  }
}
