import type { JetStreamClient } from "@nats-io/jetstream";
import {
  GenerationParams,
  newRequestId,
  RUN_INPUT,
  type ListRunsRequest,
  type NatsNames,
  type PipelineDefinitionSummary,
  type PipelineRunSummary,
  type PipelineRunView,
  type RerunRequest,
  type RetryRunRequest,
  type StageParamsByName,
  type StartRunRequest,
} from "@lantern/shared/contracts";
import { missingModels, type FleetModels } from "../definitions/model-availability.js";
import type { PipelineCatalog } from "../definitions/pipeline-catalog.js";
import { definitionFailure } from "../definitions/pipeline-definitions.js";
import { downstreamOf, type ResolvedPipeline } from "../definitions/resolved-pipeline.js";
import { enqueueRun } from "../execution/run-queue.js";
import { OrchestratorFailure } from "./orchestrator-failure.js";
import type { RunEvents } from "./run-events.js";
import type { RunStore } from "./run-store.js";

interface PipelineRunsDeps {
  catalog: PipelineCatalog;
  store: RunStore;
  fleet: FleetModels;
  events: RunEvents;
  js: JetStreamClient;
  names: NatsNames;
}

/** What the API can ask of pipelines: start runs, rerun and retry them, read them back. */
export class PipelineRuns {
  constructor(private readonly deps: PipelineRunsDeps) {}

  async start(req: StartRunRequest): Promise<PipelineRunView> {
    const pipeline = withParams(await this.definition(req.pipeline, req.definition), req.params);
    await this.ensureRunnable(pipeline, req.allowedModels);
    return this.queue({ id: newRequestId("run"), input: req.input, definition: pipeline, owner: req.owner });
  }

  /** A run stored and announced but not put on PIPELINES: its caller executes it (an async task does). */
  async prepare(req: StartRunRequest): Promise<PipelineRunView> {
    const pipeline = withParams(await this.definition(req.pipeline), req.params);
    await this.ensureRunnable(pipeline, req.allowedModels);
    return this.queue({ id: newRequestId("run"), input: req.input, definition: pipeline, owner: req.owner }, { enqueue: false });
  }

  async rerun(req: RerunRequest): Promise<PipelineRunView> {
    const parent = await this.deps.store.get(req.runId, req.owner);
    if (!parent) throw runNotFound(req.runId);
    const base = parent.run.definition;
    const from = stageOf(base, req.fromStage);
    const pipeline = withParams(base, req.params);
    const changed = new Set([from.index]);
    for (const stage of pipeline.stages) {
      if (JSON.stringify(stage.params) !== JSON.stringify(base.stages[stage.index]!.params)) changed.add(stage.index);
      if (req.input !== undefined && req.input !== parent.run.input && stage.inputFrom.includes(RUN_INPUT)) changed.add(stage.index);
    }
    const recompute = downstreamOf(pipeline, changed);
    const reused = new Map(parent.stages.filter((s) => s.status === "succeeded" && !recompute.has(s.stageIndex)).map((s) => [s.stageIndex, s]));
    await this.ensureRunnable(pipeline, req.allowedModels);
    return this.queue({
      id: newRequestId("run"),
      input: req.input ?? parent.run.input,
      definition: pipeline,
      parentRunId: parent.run.id,
      rerunFromStage: from.name,
      reused,
      owner: req.owner,
    });
  }

  /** A failed run is queued again and continues from its checkpoints. */
  async retry(req: RetryRunRequest): Promise<PipelineRunView> {
    const stored = await this.deps.store.get(req.runId, req.owner);
    if (!stored) throw runNotFound(req.runId);
    if (stored.run.status !== "failed") {
      throw new OrchestratorFailure(409, "run_not_failed", `Run '${req.runId}' is ${stored.run.status}: only a failed run can be retried (rerun it to compute stages again).`);
    }
    await this.ensureRunnable(stored.run.definition, req.allowedModels);
    if (!(await this.deps.store.requeue(req.runId))) throw new OrchestratorFailure(409, "run_not_failed", `Run '${req.runId}' is no longer failed.`);
    await enqueueRun(this.deps.js, this.deps.names, req.runId, newRequestId(`${req.runId}-retry`).slice(0, 96));
    return (await this.deps.store.view(req.runId))!;
  }

  /** Another key's run is not found, as if it did not exist. */
  async get(runId: string, owner: string | null): Promise<PipelineRunView> {
    const view = await this.deps.store.view(runId, owner);
    if (!view) throw runNotFound(runId);
    return view;
  }

  list(req: ListRunsRequest): Promise<PipelineRunSummary[]> {
    return this.deps.store.list(req);
  }

  definitions(): Promise<{ pipelines: PipelineDefinitionSummary[]; problems: string[] }> {
    return this.deps.catalog.list();
  }

  /** The named file's pipeline, or, given one inline, that definition under the name. */
  private async definition(name: string, inline?: unknown): Promise<ResolvedPipeline> {
    try {
      return inline === undefined ? await this.deps.catalog.get(name) : await this.deps.catalog.resolveInline(name, inline);
    } catch (err) {
      throw definitionFailure(err, name, inline !== undefined);
    }
  }

  private async ensureRunnable(pipeline: ResolvedPipeline, allowedModels: string[] | null): Promise<void> {
    if (allowedModels) {
      const refused = Object.keys(pipeline.models).filter((m) => !allowedModels.includes(m));
      if (refused.length > 0) {
        throw new OrchestratorFailure(403, "model_not_allowed", `Pipeline '${pipeline.name}' uses ${refused.map((m) => `'${m}'`).join(", ")}, which this API key may not use.`);
      }
    }
    const missing = await missingModels(pipeline, this.deps.fleet);
    if (missing.length > 0) {
      throw new OrchestratorFailure(422, "models_unavailable", `Pipeline '${pipeline.name}' cannot start: ${missing.join("; ")}.`);
    }
  }

  private async queue(run: Parameters<RunStore["create"]>[0], { enqueue } = { enqueue: true }): Promise<PipelineRunView> {
    await this.deps.store.create(run);
    await this.deps.events.forRun(run.id, run.owner).publish({ type: "run.queued", pipeline: run.definition.name, parentRunId: run.parentRunId ?? null });
    if (enqueue) await enqueueRun(this.deps.js, this.deps.names, run.id);
    return (await this.deps.store.view(run.id))!;
  }
}

const runNotFound = (runId: string) => new OrchestratorFailure(404, "run_not_found", `No pipeline run has the id '${runId}'.`, "id");

function stageOf(pipeline: ResolvedPipeline, ref: string | number) {
  const stage = typeof ref === "number" ? pipeline.stages[ref - 1] : pipeline.stages.find((s) => s.name === ref);
  if (!stage) {
    const names = pipeline.stages.map((s, i) => `${i + 1}: ${s.name}`).join(", ");
    throw new OrchestratorFailure(400, "unknown_stage", `Pipeline '${pipeline.name}' has no stage ${JSON.stringify(ref)} (stages ${names}).`, "from_stage");
  }
  return stage;
}

/** The pipeline with a request's parameters over its stages' own; an unknown stage name is refused. */
function withParams(pipeline: ResolvedPipeline, params: StageParamsByName | undefined): ResolvedPipeline {
  if (!params) return pipeline;
  for (const [name, values] of Object.entries(params)) {
    if (!pipeline.stages.some((s) => s.name === name)) {
      throw new OrchestratorFailure(400, "unknown_stage", `'params' names stage '${name}', which pipeline '${pipeline.name}' does not have (stages: ${pipeline.stages.map((s) => s.name).join(", ")}).`, `params.${name}`);
    }
    GenerationParams.parse(values);
  }
  return { ...pipeline, stages: pipeline.stages.map((s) => (params[s.name] ? { ...s, params: { ...s.params, ...params[s.name] } } : s)) };
}
