// A Dockerfile read into its stages and instructions, enough to check what hadolint and a build would
// catch without a Docker engine: stages that exist, COPY sources that exist, what each image ends with.
import { readFileSync } from "node:fs";

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, ... */
  keyword: string;
  /** `--name=value` flags (COPY --from, --chmod; RUN --mount), in order. */
  flags: string[];
  /** The rest, continuation lines joined. */
  args: string;
}

export interface Stage {
  name: string;
  /** The image or stage it starts from, as written (may hold `${ARG}`). */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(path, "utf8"));
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/).map((line) => line.trim());
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    if (!line || line.startsWith("#")) continue;
    const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = splitFlags(keyword.toUpperCase(), rest);
    if (instruction.keyword === "FROM") {
      const [base = "", as, name] = instruction.args.split(/\s+/);
      stages.push({ base, name: as?.toUpperCase() === "AS" && name ? name : `stage${stages.length}`, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === "ARG") {
      const [name = "", value = ""] = instruction.args.split("=", 2);
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function splitFlags(keyword: string, rest: string): Instruction {
  const flags: string[] = [];
  let args = rest;
  for (let flag = /^(--\S+)\s+/.exec(args); flag; flag = /^(--\S+)\s+/.exec(args)) {
    flags.push(flag[1]!);
    args = args.slice(flag[0].length);
  }
  return { keyword, flags, args };
}

export function flag(instruction: Instruction, name: string): string | undefined {
  return instruction.flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A stage's instructions of one kind, from its parent stages down (a stage inherits ENV, USER, ...). */
export function inherited(file: Dockerfile, stageName: string, keyword: string): Instruction[] {
  const stage = file.stages.find((s) => s.name === stageName);
  if (!stage) return [];
  return [...inherited(file, stage.base, keyword), ...stage.instructions.filter((i) => i.keyword === keyword)];
}

/** `ENV A=1 B=2` lines, the stage's parents' first, as one map (later wins). */
export function environment(file: Dockerfile, stageName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of inherited(file, stageName, "ENV")) {
    for (const [, key, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[key!] = value!;
  }
  return env;
}

/** A COPY's sources and destination; a JSON-array form is read too. */
export function copyPaths(instruction: Instruction): { sources: string[]; destination: string } {
  const parts = instruction.args.startsWith("[") ? (JSON.parse(instruction.args) as string[]) : instruction.args.split(/\s+/);
  return { sources: parts.slice(0, -1), destination: parts.at(-1)! };
}

/** A CMD, ENTRYPOINT or HEALTHCHECK CMD in exec form, as its argument list. */
export function execForm(args: string): string[] {
  return JSON.parse(args.replace(/^.*?CMD\s+/, "")) as string[];
}

/** .dockerignore's patterns as a test of a context-relative path (Go's filepath.Match, plus `**`). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, "");
      const regex = pattern
        .split("/")
        .map((part) => (part === "**" ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")))
        .join("/")
        .replace(/\.\*\//g, "(?:.*/)?");
      return { negated, regex: new RegExp(`^${regex}(?:/.*)?$`) };
    });
  return (path) => rules.reduce((ignored, rule) => (rule.regex.test(path) ? !rule.negated : ignored), false);
}
