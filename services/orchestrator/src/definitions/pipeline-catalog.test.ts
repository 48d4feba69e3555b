import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PipelineCatalog, PipelineNotFoundError } from "./pipeline-catalog.js";
import { DefinitionError } from "./source-file.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

const MODELS = `models:
  a:
    file: a.gguf
  b:
    file: b.gguf
    overrides:
      temperature: 0.1
  c:
    file: c.gguf
defaults:
  max_tokens: 16
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function catalogOf(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "lantern-pipelines-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { catalog: new PipelineCatalog({ dir, modelsDir: dir }), dir };
}

async function problemsOf(files: Record<string, string>, name = "p"): Promise<string[]> {
  const err = await catalogOf({ "models.yaml": MODELS, ...files }).catalog.get(name).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionError);
  return (err as DefinitionError).problems;
}

describe("pipeline definitions", () => {
  it("loads the shipped example: stages in order, parameters merged, models resolved against the models directory", async () => {
    const catalog = new PipelineCatalog({ dir: join(repoRoot, "pipelines"), modelsDir: "/nowhere" });
    const p = await catalog.get("story-council");
    expect(p.stages.map((s) => [s.name, s.kind, s.aggregation?.method ?? null])).toEqual([
      ["draft", "single", null],
      ["mood", "multi", "vote"],
      ["ending", "multi", "synthesis"],
    ]);
    expect(p.order).toEqual([0, 1, 2]);
    expect(p.stages[2]!.inputFrom).toEqual(["draft", "mood"]);
    expect(Object.keys(p.models).sort()).toEqual(["critic-a", "critic-b", "critic-c", "editor", "teller"]);
    expect(p.modelsDirectory).toBe(join(repoRoot, "models"));
    const listed = await catalog.list();
    expect(listed.problems).toEqual([]);
    expect(listed.pipelines.map((x) => x.name)).toContain("story-council");
  });

  it("accepts JSON files and orders stages after the stages they read", async () => {
    const pipeline = {
      base_pipeline: {
        stages: [
          { name: "last", type: "single", model: "a", input_from: ["first", "second"] },
          { name: "first", type: "single", model: "b", input_from: "input" },
          { name: "second", type: "multi", models: ["a", "c"], aggregation: "concat", input_from: "first" },
        ],
      },
    };
    const p = await catalogOf({ "models.yaml": MODELS, "p.json": JSON.stringify(pipeline) }).catalog.get("p");
    expect(p.order.map((i) => p.stages[i]!.name)).toEqual(["first", "second", "last"]);
  });

  it("says on which line YAML is broken", async () => {
    const problems = await problemsOf({ "p.yaml": "base_pipeline:\n  stages:\n    - name: a\n      model: [a\n" });
    expect(problems[0]).toMatch(/p\.yaml:\d+: invalid YAML/);
  });

  it("names file, line and field of schema errors", async () => {
    const problems = await problemsOf({
      "p.yaml": `base_pipeline:
  stages:
    - name: one
      type: single
    - name: two
      type: multi
      models: [a, b]
      aggregation:
        method: average
    - name: three
      type: single
      model: a
      temprature: 0.5
`,
    });
    expect(problems).toContainEqual(expect.stringMatching(/^.*p\.yaml:3: base_pipeline\.stages\[0\]\.model: a single stage names its 'model'$/));
    expect(problems).toContainEqual(expect.stringMatching(/p\.yaml:9: base_pipeline\.stages\[1\]\.aggregation\.method: /));
    expect(problems).toContainEqual(expect.stringMatching(/p\.yaml:13: base_pipeline\.stages\[2\]\.temprature: /));
  });

  it("refuses unknown models and dangling input_from, on their lines", async () => {
    const problems = await problemsOf({
      "p.yaml": `base_pipeline:
  stages:
    - name: one
      type: single
      model: zed
    - name: two
      type: single
      model: a
      input_from: [one, nowhere]
`,
    });
    expect(problems).toContainEqual(expect.stringMatching(/p\.yaml:5: base_pipeline\.stages\[0\]\.model: model 'zed' is not defined in .*models\.yaml \(defined: a, b, c\)/));
    expect(problems).toContainEqual(expect.stringMatching(/p\.yaml:9: base_pipeline\.stages\[1\]\.input_from\[1\]: no stage is named 'nowhere'/));
  });

  it("refuses a cyclic stage graph, naming the cycle", async () => {
    const problems = await problemsOf({
      "p.yaml": `base_pipeline:
  stages:
    - name: one
      type: single
      model: a
      input_from: three
    - name: two
      type: single
      model: b
    - name: three
      type: single
      model: c
`,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/p\.yaml:\d+: base_pipeline\.stages\[\d\]\.input_from: the stages form a cycle: (one|two|three) → .* → \1/);
  });

  it("says which pipelines exist when the name is unknown", async () => {
    const err = await catalogOf({ "models.yaml": MODELS, "known.yaml": "base_pipeline:\n  stages:\n    - {name: x, type: single, model: a}\n" })
      .catalog.get("other")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineNotFoundError);
    expect((err as Error).message).toBe("No pipeline is named 'other' (defined: known).");
  });

  it("names the models file's own errors", async () => {
    const err = await catalogOf({ "models.yaml": "models:\n  a:\n    fil: a.gguf\n", "p.yaml": "base_pipeline:\n  stages: []\n" })
      .catalog.get("p")
      .catch((e: unknown) => e);
    expect((err as DefinitionError).problems).toContainEqual(expect.stringMatching(/models\.yaml:3: models\.a\.fil: /));
  });
});
