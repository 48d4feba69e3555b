import type { ModelUnloadReason } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ModelEventPublisher } from "../events/model-event-publisher.js";
import type { HostedModel } from "./hosted-model.js";

interface ReleaseDeps {
  events: ModelEventPublisher;
  /** Called after every state change, so the heartbeat can tell the fleet at once. */
  onChange(): void;
  logger: Logger;
}

/** Stops serving and frees the model; its jobs get `graceMs` to finish, then are cancelled. */
export async function releaseModel(hosted: HostedModel, reason: ModelUnloadReason, graceMs: number, deps: ReleaseDeps): Promise<void> {
  const { served, serving, cancels } = hosted.running!;
  const log = deps.logger.child({ model: hosted.spec.name });
  hosted.state = "unloading";
  deps.onChange();
  const startedAt = performance.now();
  const stopped = serving.stop();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), graceMs)));
  let cancelledJobs = 0;
  if ((await Promise.race([stopped, grace])) === "timeout") {
    cancelledJobs = serving.slots - serving.freeSlots;
    log.warn({ reason, graceMs, cancelledJobs }, "grace period over; cancelling the model's running jobs");
  }
  clearTimeout(timer);
  // Aborts whatever still runs (nothing, unless the grace ran out), then stops listening.
  await cancels.stop();
  await stopped;
  await served.dispose();
  hosted.running = undefined;
  hosted.state = "unloaded";
  const unloadMs = performance.now() - startedAt;
  log.info({ reason, cancelledJobs, unloadMs }, "model unloaded");
  await deps.events.publish({
    type: "model.unloaded",
    model: hosted.spec.name,
    token: hosted.token,
    file: hosted.spec.file,
    reason,
    cancelledJobs,
    unloadMs,
  });
  deps.onChange();
}
