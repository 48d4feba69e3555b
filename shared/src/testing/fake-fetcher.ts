import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPullCommand, ModelPullEvent, type ModelManifest, type NatsNames } from "../contracts/index.js";
import { ensureEventsStream, ensureModelsStream } from "../nats/index.js";
import { writeManifest } from "../model-files/index.js";

export const BUNDLED_MODEL = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "models", "stories260K.gguf");
export const BUNDLED_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
export const BUNDLED_SIZE = 1_185_376;

export interface FakeFetcher {
  /** Every command taken, in order. */
  commands: ModelPullCommand[];
  stop(): Promise<void>;
}

/**
 * Stands in for the model fetcher in CLI and API tests: takes pull commands from the MODELS queue
 * and answers with the events a real one publishes. Preset `nope` fails with near matches,
 * preset `stall` starts and never finishes; anything else "downloads" the bundled model into
 * `modelsDir` (with its manifest) and is done.
 */
export async function startFakeFetcher(nc: NatsConnection, names: NatsNames, modelsDir: string): Promise<FakeFetcher> {
  const jsm = await jetstreamManager(nc);
  await ensureModelsStream(jsm, names);
  await ensureEventsStream(jsm, names);
  await jsm.consumers.add(names.streams.models, { durable_name: names.consumers.modelFetcher, ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(names.streams.models, names.consumers.modelFetcher);
  const commands: ModelPullCommand[] = [];
  let stopping = false;
  let eventNo = 0;

  const publish = async (pullId: string, event: Record<string, unknown>) => {
    const full = { v: 1, id: `${pullId}-${++eventNo}`, at: Date.now(), pullId, fetcherId: "fake", ...event } as ModelPullEvent;
    await js.publish(names.subjects.modelPullEvents(pullId), encodeMessage(ModelPullEvent, full), { msgID: full.id });
  };

  const serve = async (command: ModelPullCommand) => {
    const { pullId, target } = command;
    if ("preset" in target && target.preset === "nope") {
      await publish(pullId, { type: "model.pull.failed", error: { code: "unknown_preset", message: "No preset named nope.", nearMatches: ["stories260k", "qwen2.5-0.5b-instruct"] } });
      return;
    }
    const file = "preset" in target ? "stories260K.gguf" : target.file;
    const name = command.name ?? file.split("/").at(-1)!.replace(/\.gguf$/i, "");
    const source = {
      repo: "preset" in target ? "ggml-org/models" : target.repo,
      file: "preset" in target ? "tinyllamas/stories260K.gguf" : target.file,
      revision: "preset" in target ? "main" : (target.revision ?? "main"),
      commit: "0123456789abcdef0123456789abcdef01234567",
      preset: "preset" in target ? target.preset : null,
      url: "http://hub.invalid/resolve",
    };
    await publish(pullId, { type: "model.pull.started", name, source, totalBytes: BUNDLED_SIZE, resumedFromBytes: 0, joinedPullId: null });
    await publish(pullId, { type: "model.pull.progress", receivedBytes: BUNDLED_SIZE / 2, totalBytes: BUNDLED_SIZE, bytesPerSecond: 2 * 1024 * 1024, etaMs: 300 });
    if ("preset" in target && target.preset === "stall") return;
    await mkdir(dirname(join(modelsDir, file)), { recursive: true });
    await copyFile(BUNDLED_MODEL, join(modelsDir, file));
    const manifest = bundledManifest(name, file, source);
    await writeManifest(modelsDir, manifest);
    await publish(pullId, { type: "model.pull.done", model: manifest, alreadyPresent: false, downloadedBytes: BUNDLED_SIZE, durationMs: 420 });
  };

  const running = (async () => {
    while (!stopping) {
      const msg = await consumer.next({ expires: 1_000 }).catch(() => null);
      if (!msg) continue;
      const command = decodeMessage(ModelPullCommand, msg.data);
      commands.push(command);
      await serve(command);
      msg.ack();
    }
  })();

  return {
    commands,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/** The manifest a fetcher writes for the bundled model pulled as `file`. */
export function bundledManifest(name: string, file: string, source: ModelManifest["source"]): ModelManifest {
  return {
    v: 1,
    name,
    file,
    sizeBytes: BUNDLED_SIZE,
    sha256: BUNDLED_SHA256,
    architecture: "llama",
    quantization: "F32",
    contextLength: 2048,
    parameterCount: 292_800,
    hasChatTemplate: false,
    source,
    object: null,
    verifiedAt: Date.now(),
  };
}
