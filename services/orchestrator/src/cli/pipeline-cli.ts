import { parseArgs } from "node:util";
import type { GenerationParams, PipelineDefinitionSummary, PipelineRunSummary, PipelineRunView, StageParamsByName } from "@lantern/shared/contracts";
import { CliError, type GatewayApi } from "./gateway-api.js";
import { describeRun, historyTree, progressLine } from "./render-run.js";

const USAGE = `Usage:
  npm run pipeline -- run <name> --input "..." [--set stage.param=value ...] [--json]
  npm run pipeline -- rerun <run-id> --from <stage> [--set stage.param=value ...] [--input "..."] [--json]
  npm run pipeline -- show <run-id> [--json]
  npm run pipeline -- history [--pipeline <name>] [--limit <n>] [--json]
  npm run pipeline -- list [--json]

Talks to the gateway at GATEWAY_URL (default http://127.0.0.1:8002), with LANTERN_API_KEY when set.
Without --json, progress goes to stderr and the answer, streamed, to stdout. Use \`npm run -s pipeline -- ...\` to keep npm's own lines out of --json output.`;

interface CliIo {
  /** A line on stdout. */
  out(text: string): void;
  /** Text on stdout as it comes (a streamed answer). */
  write(text: string): void;
  /** A line on stderr. */
  err(text: string): void;
}

const PARAM_KEYS = new Set(["max_tokens", "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "stop"]);

/** `--set mood.max_tokens=12` → `{ mood: { max_tokens: 12 } }`. */
function parseSets(sets: string[]): StageParamsByName | undefined {
  if (sets.length === 0) return undefined;
  const params: Record<string, GenerationParams> = {};
  for (const set of sets) {
    const match = /^([^.=]+)\.([a-z_]+)=(.*)$/.exec(set);
    if (!match || !PARAM_KEYS.has(match[2]!)) {
      throw new CliError(`--set ${set}: expected <stage>.<param>=<value> with param one of ${[...PARAM_KEYS].join(", ")}`);
    }
    const [, stage, key, value] = match as unknown as [string, string, string, string];
    const stageParams = (params[stage] ??= {}) as Record<string, unknown>;
    if (key === "stop") stageParams.stop = [...((stageParams.stop as string[] | undefined) ?? []), value];
    else {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) throw new CliError(`--set ${set}: ${key} must be a number`);
      stageParams[key] = n;
    }
  }
  return params;
}

/** Runs one command; resolves to the process exit code. */
export async function runCli(argv: string[], api: GatewayApi, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: "string" },
      from: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      pipeline: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, target] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const printRun = (run: PipelineRunView) => (values.json ? io.out(JSON.stringify(run, null, 2)) : io.out(describeRun(run)));
  const exitOf = (run: PipelineRunView) => (run.status === "succeeded" ? 0 : 1);
  const params = parseSets(values.set);

  switch (command) {
    case "run":
    case "rerun": {
      if (!target) throw new CliError(`${command}: name the ${command === "run" ? "pipeline" : "run id"}.\n${USAGE}`);
      let path: string;
      let body: Record<string, unknown>;
      if (command === "run") {
        if (values.input === undefined) throw new CliError(`run: give the run's input with --input "...".`);
        path = `/v1/pipelines/${encodeURIComponent(target)}/runs`;
        body = { input: values.input, ...(params ? { params } : {}) };
      } else {
        if (!values.from) throw new CliError("rerun: name the stage to rerun from with --from <stage name or position>.");
        const from = /^\d+$/.test(values.from) ? Number(values.from) : values.from;
        path = `/v1/pipelines/runs/${encodeURIComponent(target)}/rerun`;
        body = { from_stage: from, ...(params ? { params } : {}), ...(values.input !== undefined ? { input: values.input } : {}) };
      }
      if (values.json) {
        const run = await api.json<PipelineRunView>("POST", path, body);
        printRun(run);
        return exitOf(run);
      }
      return follow(api, io, path, body);
    }
    case "show": {
      if (!target) throw new CliError("show: name the run id.");
      const run = await api.json<PipelineRunView>("GET", `/v1/pipelines/runs/${encodeURIComponent(target)}`);
      printRun(run);
      return 0;
    }
    case "history": {
      const query = new URLSearchParams();
      if (values.pipeline) query.set("pipeline", values.pipeline);
      if (values.limit) query.set("limit", values.limit);
      const { data } = await api.json<{ data: PipelineRunSummary[] }>("GET", `/v1/pipelines/runs${query.size ? `?${query}` : ""}`);
      io.out(values.json ? JSON.stringify(data, null, 2) : historyTree(data));
      return 0;
    }
    case "list": {
      const { data, problems } = await api.json<{ data: PipelineDefinitionSummary[]; problems: string[] }>("GET", "/v1/pipelines");
      if (values.json) io.out(JSON.stringify({ pipelines: data, problems }, null, 2));
      else {
        for (const p of data) {
          io.out(`${p.name}${p.description ? `: ${p.description}` : ""}`);
          p.stages.forEach((s, i) => io.out(`  ${i + 1}. ${s.name} [${s.kind}${s.aggregation ? `, ${s.aggregation}` : ""}] ${s.models.join(", ")}`));
        }
        for (const problem of problems) io.err(`invalid: ${problem}`);
      }
      return 0;
    }
    default:
      throw new CliError(`unknown command '${command}'.\n${USAGE}`);
  }
}

/** Streams the run: progress lines on stderr, the last stage's text on stdout, then the stored run. */
async function follow(api: GatewayApi, io: CliIo, path: string, body: Record<string, unknown>): Promise<number> {
  let runId: string | undefined;
  let streamed = false;
  for await (const event of api.events("POST", path, { ...body, stream: true })) {
    runId = event.runId;
    if (event.type === "stage.delta") {
      io.write(event.text);
      streamed = true;
      continue;
    }
    const line = progressLine(event);
    if (!line) continue;
    // The streamed answer ends its line on stdout before progress goes on.
    if (streamed) io.write("\n");
    streamed = false;
    io.err(line);
  }
  if (!runId) throw new CliError("The gateway ended the stream before the run began.");
  const run = await api.json<PipelineRunView>("GET", `/v1/pipelines/runs/${runId}`);
  io.err(`\n${describeRun(run)}`);
  return run.status === "succeeded" ? 0 : 1;
}
