import { parseArgs } from "node:util";
import type { ModelPullTarget } from "@lantern/shared/contracts";
import { CliError } from "./cli-error.js";
import type { PullRequest } from "./pull-command.js";

export const USAGE = `Usage: npm run models -- <command>

  pull <preset>                      download a model from the preset catalogue (see: presets)
  pull <owner/repo> <file.gguf>      download a GGUF file from a Hugging Face repository
       --revision <rev>              branch, tag or commit (default: main)
       --sha256 <hex>                the digest the file must have (default: the hub's)
       --name <name>                 the name to serve it under (default: the file name without .gguf)
       --distribute                  also store it in NATS for workers on other hosts
       --json                        every pull event as a line of JSON
  list [--digest] [--json]           the models in MODELS_DIR (--digest: hash files that have no digest yet)
  rm <name> [--everywhere] [--json]  delete a model file and its manifest (--everywhere: the NATS copy too)
  presets [--json]                   the preset catalogue
  seed                               copy the bundled model (FETCHER_SEED_MODEL) into MODELS_DIR if it has no model

Environment: MODELS_DIR (default ./models), NATS_URL, NATS_NAMESPACE, HF_TOKEN, HF_ENDPOINT.
`;

export type CliCommand =
  | { kind: "pull"; request: PullRequest; json: boolean }
  | { kind: "list"; json: boolean; digest: boolean }
  | { kind: "rm"; name: string; everywhere: boolean; json: boolean }
  | { kind: "presets"; json: boolean }
  | { kind: "seed" }
  | { kind: "help" };

type Values = Record<string, string | boolean | undefined>;

const parse = (args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>): { values: Values; positionals: string[] } => {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`, 2);
  }
};

const json = { type: "boolean" } as const;

export function parseCliArgs(argv: string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { kind: "help" };
    case "pull": {
      const { values, positionals } = parse(rest, {
        revision: { type: "string" },
        sha256: { type: "string" },
        name: { type: "string" },
        distribute: { type: "boolean" },
        json,
      });
      return { kind: "pull", request: pullRequest(positionals, values), json: values.json === true };
    }
    case "list": {
      const { values, positionals } = parse(rest, { json, digest: { type: "boolean" } });
      if (positionals.length > 0) throw new CliError(`list takes no arguments, got ${positionals.join(" ")}.`, 2);
      return { kind: "list", json: values.json === true, digest: values.digest === true };
    }
    case "rm": {
      const { values, positionals } = parse(rest, { everywhere: { type: "boolean" }, json });
      if (positionals.length !== 1) throw new CliError("Usage: npm run models -- rm <name> [--everywhere]", 2);
      return { kind: "rm", name: positionals[0]!, everywhere: values.everywhere === true, json: values.json === true };
    }
    case "presets": {
      const { values } = parse(rest, { json });
      return { kind: "presets", json: values.json === true };
    }
    case "seed":
      if (rest.length > 0) throw new CliError(`seed takes no arguments, got ${rest.join(" ")}.`, 2);
      return { kind: "seed" };
    default:
      throw new CliError(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`, 2);
  }
}

function pullRequest(positionals: string[], values: Values): PullRequest {
  const str = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  let target: ModelPullTarget;
  if (positionals.length === 1) {
    const [preset] = positionals as [string];
    if (preset.includes("/")) {
      throw new CliError(`${preset} looks like a repository: name the file too, as in npm run models -- pull ${preset} <file.gguf>`, 2);
    }
    if (str("revision") || str("sha256")) throw new CliError("--revision and --sha256 go with a repository and file; a preset pins its own.", 2);
    target = { preset };
  } else if (positionals.length === 2) {
    const [repo, file] = positionals as [string, string];
    target = { repo, file, ...(str("revision") ? { revision: str("revision")! } : {}), ...(str("sha256") ? { sha256: str("sha256")!.toLowerCase() } : {}) };
  } else {
    throw new CliError(`Usage: npm run models -- pull <preset>  or  npm run models -- pull <owner/repo> <file.gguf>`, 2);
  }
  return {
    target,
    ...(str("name") ? { name: str("name")! } : {}),
    ...(values.distribute === true ? { distribute: true } : {}),
  };
}
