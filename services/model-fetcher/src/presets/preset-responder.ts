import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { encodeMessage, ModelPresetsReply, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { presetCatalogue } from "./preset-catalogue.js";

/**
 * Answers `fetcher.presets` with this fetcher's catalogue, so a gateway (the SOP executor's
 * `/api/v1/models/presets`) lists exactly the presets a pull can take, wherever the fetcher runs.
 */
export function answerPresetRequests(nc: NatsConnection, names: NatsNames, logger: Logger): Subscription {
  return nc.subscribe(names.subjects.modelPresets, {
    queue: names.queueGroups.fetchers,
    callback: (err, msg) => {
      if (err) return logger.warn({ err }, "preset requests subscription failed");
      try {
        msg.respond(encodeMessage(ModelPresetsReply, { v: 1, presets: [...presetCatalogue()] }));
      } catch (error) {
        logger.warn({ err: error }, "could not answer a preset request");
      }
    },
  });
}
