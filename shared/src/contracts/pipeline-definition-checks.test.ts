import { describe, expect, it } from "vitest";
import { checkPipelineDefinition, fieldName } from "./pipeline-definition-checks.js";

const models = { names: ["a", "b"], label: "models.yaml" };
const problemsOf = (definition: unknown) => {
  const checked = checkPipelineDefinition(definition, models);
  return checked.ok ? [] : checked.issues.map((i) => `${fieldName(i.path)}: ${i.message}`);
};
const stages = (...list: unknown[]) => ({ base_pipeline: { stages: list } });

/* What the web app's builder shows as a definition is edited: the orchestrator's checks and words. */
describe("checking a definition without its file", () => {
  it("accepts a valid one, with the schema's defaults filled in", () => {
    const checked = checkPipelineDefinition(stages({ name: "x", type: "multi", models: ["a", "b"], aggregation: "concat" }), models);
    expect(checked.ok && checked.pipeline.base_pipeline.stages[0]!.aggregation).toEqual({ method: "concat", separator: "\n\n" });
  });

  it("names the field of a schema problem, an unknown key under its own name", () => {
    expect(problemsOf(stages({ name: "v", type: "multi", models: ["a", "b"], aggregation: { method: "vote", choices: ["yes"] }, temprature: 1 }))).toEqual([
      "base_pipeline.stages[0].aggregation.choices: Too small: expected array to have >=2 items",
      "base_pipeline.stages[0].temprature: Unrecognized key: \"temprature\"",
    ]);
    expect(problemsOf(stages({ name: "m", type: "multi" }))).toContain("base_pipeline.stages[0].models: a multi stage names its 'models'");
  });

  it("finds what the schema cannot: unknown models, dangling inputs, placeholders, cycles", () => {
    expect(problemsOf(stages({ name: "one", type: "single", model: "zed", prompt: "{nope}" }, { name: "two", type: "single", model: "a", input_from: ["one", "gone"] }))).toEqual([
      "base_pipeline.stages[0].model: model 'zed' is not defined in models.yaml (defined: a, b)",
      "base_pipeline.stages[0].prompt: unknown placeholder {nope}: a prompt may use {input}",
      "base_pipeline.stages[1].input_from[1]: no stage is named 'gone' (stages: one, two; 'input' is the run's input)",
    ]);
    expect(problemsOf(stages({ name: "p", type: "single", model: "a", input_from: "q" }, { name: "q", type: "single", model: "b", input_from: "p" }))).toEqual([
      "base_pipeline.stages[0].input_from: the stages form a cycle: p → q → p (each takes its input from the next)",
    ]);
  });
});
