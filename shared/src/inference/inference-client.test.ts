import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeMessage, encodeMessage, InferJob, InferReply, natsNames, toModelToken, type NatsNames } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { ensureInferStream, ensureRepliesStream } from "../nats/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import type { InferenceErrors } from "./inference-call.js";
import { InferenceClient } from "./inference-client.js";
import { ReplyRouter } from "./reply-router.js";

/*
 * A gateway that reconnected to another node misses the replies sent meanwhile. When what it
 * missed is a job's acceptance, it has passed nothing on yet: it queues the job again under an id
 * of its own and cancels the first run, and the caller gets the whole answer.
 */

let nats: TestNats;
let nc: NatsConnection;
let names: NatsNames;
const logger = createLogger({ service: "inference-client-test", level: "silent" });
const errors: InferenceErrors<Error> = {
  fromWorker: (e) => new Error(e.message),
  stalled: (m) => new Error(m),
  noSlot: (m) => new Error(m),
  queueUnavailable: (m) => new Error(m),
  internal: (m) => new Error(m),
  callerGone: () => new Error("gone"),
};

beforeAll(async () => {
  nats = await useTestNats("iclient");
  names = natsNames(nats.namespace);
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await ensureInferStream(jsm, names);
  await ensureRepliesStream(jsm, names, 60);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/**
 * A stand-in worker, told of each job by its core NATS copy, answers "Once upon a time"; the
 * gateway's router misses the replies `lose` picks (of the job's first run, second...), as one
 * reconnecting to another node would, while stream REPLIES stores a kept stream's all the same.
 * Returns what the caller got.
 */
async function answerThrough(
  requestId: string,
  lose: (run: number, reply: InferReply) => boolean,
  keep = false,
  /** Replies not even REPLIES gets (its leader was lost too). */
  unsent: (run: number, reply: InferReply) => boolean = () => false,
  /** The worker answers `resend.<job>` with the job's replies, whole, as a real one does. */
  resends = false,
) {
  const model = `m-${requestId}`;
  const jobs: string[] = [];
  const cancels: string[] = [];
  const replyTo = new Map<string, string>();
  const done: InferReply = { v: 1, kind: "done", finishReason: "stop", usage: { promptTokens: 2, completionTokens: 4 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 }, sent: { content: 16 } };
  const subs = [
    nc.subscribe(names.subjects.resendAll, {
      callback: (_e, msg) => {
        const subject = replyTo.get(msg.subject.split(".").at(-1)!);
        if (!resends || !subject) return;
        const whole: InferReply[] = [{ v: 1, kind: "accepted", workerId: "w1", attempt: 1, promptTokens: 2 }, { v: 1, kind: "chunk", offset: 0, text: "Once upon a time" }, done];
        for (const reply of whole) nc.publish(subject, encodeMessage(InferReply, reply));
      },
    }),
    nc.subscribe(names.subjects.cancel("*"), { callback: (_e, msg) => void cancels.push(msg.subject.split(".").at(-1)!) }),
    nc.subscribe(names.subjects.inferJobsOf(toModelToken(model)), {
      callback: (_e, msg) => {
        const job = decodeMessage(InferJob, msg.data);
        jobs.push(job.requestId);
        replyTo.set(job.requestId, job.replyTo);
        const replies: InferReply[] = [
          { v: 1, kind: "accepted", workerId: "w1", attempt: 1, promptTokens: 2 },
          { v: 1, kind: "chunk", offset: 0, text: "Once upon" },
          { v: 1, kind: "chunk", offset: 9, text: " a" },
          { v: 1, kind: "chunk", offset: 11, text: " time" },
          done,
        ];
        for (const reply of replies) if (!unsent(jobs.length, reply)) nc.publish(job.replyTo, encodeMessage(InferReply, reply));
      },
    }),
  ];
  const router = new (class extends ReplyRouter {
    override register(jobId: string, handler: (reply: InferReply) => void): void {
      super.register(jobId, (reply) => {
        if (!lose(jobs.indexOf(jobId) + 1, reply)) handler(reply);
      });
    }
  })(nc, names, "gw1", logger);
  router.start();
  const client = new InferenceClient({ nc, js: jetstream(nc), jsm: await jetstreamManager(nc), names, router, queueTimeoutMs: 5_000, stallTimeoutMs: 2_000, errors, logger });
  const call = await client.submit(
    {
      requestId,
      model,
      priority: "normal",
      signal: new AbortController().signal,
      keep,
      job: {
        input: { kind: "chat", messages: [{ role: "user", content: "Once" }] },
        sampling: { temperature: 0, topP: 1, seed: 7, presencePenalty: 0, frequencyPenalty: 0, stop: [] },
      },
    },
    "prompt",
  );
  let text = "";
  let errorMessage: string | undefined;
  for await (const event of call.events()) {
    if (event.kind === "text") text += event.text;
    if (event.kind === "error") errorMessage = event.error.message;
  }
  router.stop();
  for (const sub of subs) sub.unsubscribe();
  return { text, errorMessage, jobs, cancels };
}

it("queues a job again when its acceptance was lost, and cancels the first run", async () => {
  const seen = await answerThrough("req_lossy1", (run, reply) => run === 1 && reply.kind === "accepted");
  expect(seen).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy1", "req_lossy1~2"] });
  expect(seen.cancels).toContain("req_lossy1");
  expect(seen.cancels).not.toContain("req_lossy1~2");
});

it("takes a lost acceptance from the worker's resend, without running the job again", async () => {
  let lostOne = false;
  // The live acceptance is lost; the resent one arrives.
  const firstAcceptance = (run: number, reply: InferReply) => run === 1 && reply.kind === "accepted" && !lostOne && (lostOne = true);
  const seen = await answerThrough("req_lossy9", firstAcceptance, false, undefined, true);
  expect(seen).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy9"] });
  expect(seen.cancels).toEqual([]);
});

it("runs the job once more when text was lost mid-answer, and passes on only what the caller lacks", async () => {
  const seen = await answerThrough("req_lossy2", (run, reply) => run === 1 && reply.kind === "chunk" && reply.offset === 9);
  expect(seen).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy2", "req_lossy2~2"] });
  expect(seen.cancels).toContain("req_lossy2");
});

it("fills a hole in the text from the worker's resend, without running the job again", async () => {
  const seen = await answerThrough("req_lossy6", (run, reply) => run === 1 && reply.kind === "chunk" && reply.offset === 9, false, undefined, true);
  expect(seen).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy6"] });
  expect(seen.cancels).toEqual([]);
});

it("notices text lost just before the end by what the end says was sent", async () => {
  const lastPiece = await answerThrough("req_lossy7", (run, reply) => run === 1 && reply.kind === "chunk" && reply.offset === 11, false, undefined, true);
  expect(lastPiece).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy7"] });
  // With no resend coming (the worker is gone), the job runs once more.
  const noResend = await answerThrough("req_lossy8", (run, reply) => run === 1 && reply.kind === "chunk" && reply.offset === 11);
  expect(noResend).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy8", "req_lossy8~2"] });
});

it("ends with an error, not a hole, when the second run loses text too", async () => {
  const seen = await answerThrough("req_lossy3", (_run, reply) => reply.kind === "chunk" && reply.offset === 9);
  expect(seen.text).toBe("Once upon");
  expect(seen.errorMessage).toMatch(/lost/);
});

it("reads a kept stream's lost replies back from stream REPLIES: the same run, not a second", async () => {
  const lost = await answerThrough("req_lossy4", (_run, reply) => reply.kind === "accepted" || (reply.kind === "chunk" && reply.offset === 11), true);
  expect(lost).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy4"] });
  expect(lost.cancels).toEqual([]);
});

it("runs a kept stream's job again when REPLIES lost the same replies too", async () => {
  const inTheMiddle = (run: number, reply: InferReply) => run === 1 && reply.kind === "chunk" && reply.offset === 9;
  const lost = await answerThrough("req_lossy5", inTheMiddle, true, inTheMiddle);
  expect(lost).toMatchObject({ text: "Once upon a time", errorMessage: undefined, jobs: ["req_lossy5", "req_lossy5~2"] });
  expect(lost.cancels).toEqual(["req_lossy5"]);
});
