import { RequestError, type NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPresetsReply, ModelPresetsRequest, type NatsNames, type PresetList } from "@lantern/shared/contracts";
import { ApiError } from "@lantern/shared/errors";

const PRESETS_WAIT_MS = 5_000;

/** The preset catalogue of a running fetcher (any one answers): exactly what a pull by preset can take. */
export async function listPresets(nc: NatsConnection, names: NatsNames): Promise<PresetList> {
  try {
    const reply = await nc.request(names.subjects.modelPresets, encodeMessage(ModelPresetsRequest, { v: 1 }), { timeout: PRESETS_WAIT_MS });
    return { presets: decodeMessage(ModelPresetsReply, reply.data).presets };
  } catch (err) {
    const none = err instanceof RequestError && err.isNoResponders();
    throw new ApiError(503, "service_unavailable_error", none ? "No model fetcher is running, so there are no presets to pull: start one (npm start does)." : "No model fetcher answered in time with its presets.", {
      code: "no_fetcher",
      cause: err,
    });
  }
}
