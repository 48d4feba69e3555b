import type { z } from "zod";
import { PipelineFile, RUN_INPUT, type StageDefinition } from "./pipeline-definition.js";

/** Where a problem is in a definition: `["base_pipeline", "stages", 1, "model"]`. */
export type FieldPath = ReadonlyArray<PropertyKey>;

/** One problem of a definition, at its field; the orchestrator adds file and line, the web app shows it by the field. */
export interface DefinitionIssue {
  path: FieldPath;
  message: string;
}

/** `base_pipeline.stages[1].model`: how a field is named in every message about it. */
export function fieldName(path: FieldPath): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

/** The `{field}` names a template uses. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Fills `{field}` placeholders from `values`; the definitions were checked to use known fields only. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, field: string) => values[field] ?? whole);
}

/** A schema's issues, an unknown key shown where the key is, under its own name. */
export function schemaIssues(error: z.ZodError): DefinitionIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    return { path: keys.length === 1 ? [...issue.path, keys[0]!] : issue.path, message: issue.message };
  });
}

/** The models a definition may name, and how the problems name the file that defines them. */
export interface DefinedModels {
  names: string[];
  label: string;
}

/** Stage names, or `input` for the run's input, the stage at `i` reads (absent `input_from`: the stage before; the first: the run's input). */
export function inputsOf(stages: StageDefinition[], i: number): string[] {
  const from = stages[i]!.input_from;
  return from === undefined ? [i === 0 ? RUN_INPUT : stages[i - 1]!.name] : typeof from === "string" ? [from] : from;
}

/** The models a stage's calls use: its own, and a synthesis's writer. */
export function callModelsOf(stage: StageDefinition): string[] {
  const own = stage.type === "single" ? (stage.model ? [stage.model] : []) : (stage.models ?? []);
  return [...own, ...(stage.aggregation?.method === "synthesis" ? [stage.aggregation.model] : [])];
}

/**
 * What the schema cannot check: names unique, every model defined, every `input_from` names a
 * stage, templates use known placeholders, no cycle (looked for once the rest holds).
 */
export function pipelineIssues(pipeline: PipelineFile, models: DefinedModels): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const at = (...path: PropertyKey[]) => ["base_pipeline", "stages", ...path];
  const defs = pipeline.base_pipeline.stages;
  const names = new Set<string>();
  defs.forEach((stage, i) => {
    if (stage.name === RUN_INPUT) issues.push({ path: at(i, "name"), message: `'${RUN_INPUT}' is reserved for the run's input` });
    else if (names.has(stage.name)) issues.push({ path: at(i, "name"), message: `stage name '${stage.name}' is used twice` });
    else names.add(stage.name);
  });
  const defined = new Set(models.names);
  const needModel = (name: string, path: FieldPath) => {
    if (!defined.has(name)) issues.push({ path, message: `model '${name}' is not defined in ${models.label} (defined: ${models.names.join(", ")})` });
  };
  defs.forEach((def, i) => {
    if (def.type === "single" && def.model) needModel(def.model, at(i, "model"));
    if (def.type === "multi") (def.models ?? []).forEach((m, j) => needModel(m, at(i, "models", j)));
    if (def.aggregation?.method === "synthesis") needModel(def.aggregation.model, at(i, "aggregation", "model"));
    if (def.input_from !== undefined) {
      inputsOf(defs, i).forEach((from, j) => {
        const path = typeof def.input_from === "string" ? at(i, "input_from") : at(i, "input_from", j);
        if (from === def.name) issues.push({ path, message: `stage '${def.name}' cannot take its own output as input` });
        else if (from !== RUN_INPUT && !names.has(from)) issues.push({ path, message: `no stage is named '${from}' (stages: ${[...names].join(", ")}; '${RUN_INPUT}' is the run's input)` });
      });
    }
    issues.push(...templateIssues(def, at(i)));
  });
  if (issues.length === 0) {
    const { cycle } = stageOrder(defs);
    if (cycle) issues.push({ path: at(cycle.index, "input_from"), message: `the stages form a cycle: ${cycle.names.join(" → ")} (each takes its input from the next)` });
  }
  return issues;
}

function templateIssues(def: StageDefinition, at: PropertyKey[]): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const field of placeholdersOf(def.prompt)) {
    if (field !== "input") issues.push({ path: [...at, "prompt"], message: `unknown placeholder {${field}}: a prompt may use {input}` });
  }
  const stageModels = def.type === "single" ? (def.model ? [def.model] : []) : (def.models ?? []);
  if (def.aggregation?.method === "template") {
    const names = new Set(stageModels);
    for (const field of placeholdersOf(def.aggregation.template)) {
      const dot = field.indexOf(".");
      const [head, rest] = dot < 0 ? [field, undefined] : [field.slice(0, dot), field.slice(dot + 1)];
      const ok =
        field === "input" ||
        field === "candidates" ||
        (head === "answers" && rest !== undefined && (names.has(rest) || (/^\d+$/.test(rest) && Number(rest) >= 1 && Number(rest) <= stageModels.length)));
      if (!ok) issues.push({ path: [...at, "aggregation", "template"], message: `unknown placeholder {${field}}: use {input}, {candidates}, {answers.<model>} or {answers.<1..${stageModels.length}>}` });
    }
  }
  if (def.aggregation?.method === "synthesis") {
    for (const field of placeholdersOf(def.aggregation.prompt)) {
      if (field !== "input" && field !== "candidates") issues.push({ path: [...at, "aggregation", "prompt"], message: `unknown placeholder {${field}}: use {input} and {candidates}` });
    }
  }
  return issues;
}

/** Stage indexes, each after the stages it reads; or the first cycle found, its stages in order. */
export function stageOrder(defs: StageDefinition[]): { order: number[]; cycle?: { index: number; names: string[] } } {
  const byName = new Map(defs.map((s, i) => [s.name, i]));
  const state = new Map<number, "visiting" | "done">();
  const order: number[] = [];
  let cycle: { index: number; names: string[] } | undefined;
  const visit = (i: number, trail: number[]): boolean => {
    const seen = state.get(i);
    if (seen === "done") return true;
    if (seen === "visiting") {
      cycle = { index: i, names: [...trail.slice(trail.indexOf(i)), i].map((j) => defs[j]!.name) };
      return false;
    }
    state.set(i, "visiting");
    for (const from of inputsOf(defs, i)) {
      const dep = byName.get(from);
      if (dep !== undefined && !visit(dep, [...trail, i])) return false;
    }
    state.set(i, "done");
    order.push(i);
    return true;
  };
  for (let i = 0; i < defs.length; i++) if (!visit(i, [])) return { order: [], cycle: cycle! };
  return { order };
}

/** A definition checked whole, as the orchestrator checks one before a run or a save: the schema, then the rest. */
export function checkPipelineDefinition(value: unknown, models: DefinedModels): { ok: true; pipeline: PipelineFile } | { ok: false; issues: DefinitionIssue[] } {
  const parsed = PipelineFile.safeParse(value);
  if (!parsed.success) return { ok: false, issues: schemaIssues(parsed.error) };
  const issues = pipelineIssues(parsed.data, models);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, pipeline: parsed.data };
}
