import { resolve } from "node:path";
import { ConfigError } from "@lantern/shared/config";
import { createLogger } from "@lantern/shared/logging";
import { NATS_SERVER_INSTALL_HINT, redactNatsUrl } from "@lantern/shared/nats";
import { startModelFetcher } from "../fetcher-service.js";
import { parseCliArgs, USAGE, type CliCommand } from "./cli-args.js";
import { loadCliConfig, type CliConfig } from "./cli-config.js";
import { CliError } from "./cli-error.js";
import { listModels, printModelTable } from "./list-command.js";
import { connectToNats, startPrivateNats, type NatsSession } from "./nats-session.js";
import { printPresets, type PresetSource } from "./presets-command.js";
import { pullCommand, runPull } from "./pull-command.js";
import { humanPullView, jsonPullView, type Output } from "./pull-view.js";
import { removeModel } from "./rm-command.js";
import { seedModelsDir } from "../seed/seed-models-dir.js";

interface CliIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  presets: PresetSource;
}

/** Runs one `npm run models --` command; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const command = parseCliArgs(argv);
    if (command.kind === "help") {
      io.stdout.write(USAGE);
      return 0;
    }
    const config = loadCliConfig(io.env);
    return await run(command, { ...config, MODELS_DIR: resolve(config.MODELS_DIR) }, io);
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return err instanceof CliError ? err.exitCode : 1;
    }
    throw err;
  }
}

async function run(command: Exclude<CliCommand, { kind: "help" }>, config: CliConfig, io: CliIo): Promise<number> {
  switch (command.kind) {
    case "list": {
      const models = await listModels(config.MODELS_DIR, { digest: command.digest });
      if (command.json) io.stdout.write(`${JSON.stringify({ modelsDir: config.MODELS_DIR, models }, null, 2)}\n`);
      else printModelTable(io.stdout, config.MODELS_DIR, models);
      return 0;
    }
    case "presets":
      printPresets(io.stdout, io.presets(), command.json);
      return 0;
    case "rm": {
      const session = await connectToNats(config);
      try {
        const result = await removeModel({ modelsDir: config.MODELS_DIR, name: command.name, everywhere: command.everywhere, session });
        if (command.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          io.stdout.write(`Removed ${result.name} (${result.file})${result.removed.object ? " and its copy in the object store" : ""}.\n`);
          if (!result.announced) io.stdout.write(`NATS is not reachable at ${redactNatsUrl(config.NATS_URL)}: the admin service forgets it when it next sees the file gone.\n`);
        }
        return 0;
      } finally {
        await session?.close();
      }
    }
    case "pull":
      return pull(command, config, io);
    case "seed": {
      // The same first-start step the fetcher service takes, as a one-shot (a container's model init).
      const logger = createLogger({ service: "model-fetcher", level: config.LOG_LEVEL, format: config.LOG_FORMAT, destination: process.stderr });
      const file = await seedModelsDir(config.MODELS_DIR, config.FETCHER_SEED_MODEL, logger);
      io.stdout.write(file ? `Copied ${file} into ${config.MODELS_DIR}.\n` : `${config.MODELS_DIR} already has a model (or FETCHER_SEED_MODEL is empty): nothing copied.\n`);
      return 0;
    }
  }
}

async function pull(command: Extract<CliCommand, { kind: "pull" }>, config: CliConfig, io: CliIo): Promise<number> {
  const pullCmd = pullCommand(command.request);
  const view = command.json ? jsonPullView(io.stdout, io.stderr) : humanPullView(io.stdout, io.stderr, config.MODELS_DIR);
  let session: NatsSession | null = await connectToNats(config);
  if (!session) {
    try {
      session = await startPrivateNats(config);
    } catch (err) {
      const why = err instanceof Error && err.message === NATS_SERVER_INSTALL_HINT ? `no nats-server is installed to run one here.\n${NATS_SERVER_INSTALL_HINT}` : String(err);
      throw new CliError(`NATS is not reachable at ${redactNatsUrl(config.NATS_URL)}, and a private one could not be started: ${why}`, 1, { cause: err });
    }
    view.note(
      `NATS is not reachable at ${redactNatsUrl(config.NATS_URL)}: pulling through a private NATS server for this run (data in ${session.privateServer!.dataDir}). ` +
        "The admin service registers the model when it next sees it on disk.",
    );
  }
  const logger = createLogger({ service: "model-fetcher", level: config.LOG_LEVEL, format: config.LOG_FORMAT, destination: process.stderr });
  try {
    return await runPull(
      { session, view, signal: io.signal, startFetcher: (nc) => startModelFetcher({ config, logger, nc }) },
      pullCmd,
    );
  } finally {
    await session.close();
  }
}
