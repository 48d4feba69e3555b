import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, ModelPullCommand, type ModelPullEvent, type ModelPullTarget } from "@lantern/shared/contracts";
import { ensureEventsStream, ensureModelsStream } from "@lantern/shared/nats";
import type { ModelFetcher } from "../fetcher-service.js";
import { CliError } from "./cli-error.js";
import { fetcherWillTake } from "./fetcher-presence.js";
import type { NatsSession } from "./nats-session.js";
import { PullEvents, TIMED_OUT } from "./pull-events.js";
import type { PullView } from "./pull-view.js";

export interface PullRequest {
  target: ModelPullTarget;
  name?: string;
  distribute?: boolean;
}

interface PullDeps {
  session: NatsSession;
  view: PullView;
  /** Ctrl-C: stop following. */
  signal: AbortSignal;
  /** Runs a fetcher in this process, on the session's connection, when no other one takes the pull. */
  startFetcher(nc: NatsConnection): Promise<ModelFetcher>;
}

/** How long a queued pull may wait for a fetcher's first word before the CLI looks for one. */
const FETCHER_CHECK_MS = 3_000;
const STILL_WAITING_EVERY_MS = 30_000;

const EXIT_INTERRUPTED = 130;

function newPullId(): string {
  return `pull_${Date.now().toString(36)}${randomBytes(5).toString("hex")}`;
}

/** Validates a pull as the fetcher will, so a typo fails here with the field named. */
export function pullCommand(request: PullRequest, pullId = newPullId()): ModelPullCommand {
  const parsed = ModelPullCommand.safeParse({
    v: 1,
    pullId,
    target: request.target,
    ...(request.name === undefined ? {} : { name: request.name }),
    ...(request.distribute === undefined ? {} : { distribute: request.distribute }),
    requestedAt: Date.now(),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.filter((p) => p !== "target").join(".") || "pull";
  throw new CliError(`Invalid ${field}: ${issue.message}.`);
}

/**
 * Queues a pull and follows its events to the end. Returns the exit code: 0 when the model is in
 * place, 1 when the pull failed, 130 when the user stopped following.
 */
export async function runPull(deps: PullDeps, command: ModelPullCommand): Promise<number> {
  const { session, view, signal } = deps;
  const { nc, names } = session;
  const jsm = await jetstreamManager(nc);
  await ensureModelsStream(jsm, names);
  await ensureEventsStream(jsm, names);

  const events = await PullEvents.open(nc, names, command.pullId);
  let fetcher: ModelFetcher | undefined;
  try {
    const ack = await jetstream(nc).publish(names.subjects.modelPull, encodeMessage(ModelPullCommand, command), { msgID: command.pullId });
    if (session.privateServer) fetcher = await startLocalFetcher(deps, nc);

    const interrupted = new Promise<typeof INTERRUPT>((resolve) => {
      if (signal.aborted) resolve(INTERRUPT);
      signal.addEventListener("abort", () => resolve(INTERRUPT), { once: true });
    });

    let heardFromFetcher = false;
    let waitedMs = 0;
    for (;;) {
      const next = await Promise.race([events.next(heardFromFetcher ? undefined : FETCHER_CHECK_MS), interrupted]);
      if (next === INTERRUPT) {
        view.note(stoppedFollowing(command.pullId, fetcher !== undefined, session));
        return EXIT_INTERRUPTED;
      }
      if (next === TIMED_OUT) {
        waitedMs += FETCHER_CHECK_MS;
        if (!fetcher && !(await fetcherWillTake(jsm, names, ack.seq))) {
          view.note("No fetcher is taking pulls; fetching in this process (the pull stops if you stop this command).");
          fetcher = await startLocalFetcher(deps, nc);
        } else if (waitedMs % STILL_WAITING_EVERY_MS === 0) {
          view.note(`Still waiting for the fetcher to start pull ${command.pullId} ...`);
        }
        continue;
      }
      heardFromFetcher = true;
      view.event(next);
      if (isFinal(next)) return next.type === "model.pull.done" ? 0 : 1;
    }
  } finally {
    events.close();
    await fetcher?.stop();
  }
}

const INTERRUPT = Symbol("interrupt");

const isFinal = (event: ModelPullEvent) => event.type === "model.pull.done" || event.type === "model.pull.failed";

async function startLocalFetcher(deps: PullDeps, nc: NatsConnection): Promise<ModelFetcher> {
  try {
    return await deps.startFetcher(nc);
  } catch (err) {
    throw new CliError(
      `Could not run a fetcher in this process: ${err instanceof Error ? err.message : String(err)}. ` +
        "The pull stays queued: start the stack (npm start) or a model fetcher and it will be taken.",
      1,
      { cause: err },
    );
  }
}

function stoppedFollowing(pullId: string, fetchingHere: boolean, session: NatsSession): string {
  if (!fetchingHere) {
    return `Stopped following pull ${pullId}. The pull goes on in the fetcher; follow it again with GET /api/models/pulls/${pullId}/events on the admin API, or see it with \`npm run models -- list\` once done.`;
  }
  const resume = session.privateServer ? "the next `npm run models -- pull`" : "the next fetcher to start (npm start, or `npm run models -- pull` again)";
  return `Stopped pull ${pullId}, which was downloading in this process. What was downloaded is kept; ${resume} picks it up from there.`;
}
