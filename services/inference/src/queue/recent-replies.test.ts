import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, InferReply, natsNames } from "@lantern/shared/contracts";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { CancelRegistry } from "./cancel-registry.js";
import { recentReplies } from "./recent-replies.js";
import { ReplyPublisher } from "./reply-publisher.js";

let nats: TestNats;
let worker: NatsConnection;
let gateway: NatsConnection;

beforeAll(async () => {
  nats = await useTestNats("resend");
  worker = await connect({ servers: nats.url });
  gateway = await connect({ servers: nats.url });
});
afterAll(async () => {
  await worker?.close();
  await gateway?.close();
  await nats?.stop();
});

it("sends a job's replies again, whole, when a gateway asks for them: while it runs and for a while after it ended", async () => {
  const names = natsNames(nats.namespace);
  const cancels = new CancelRegistry(worker, names);
  cancels.start();
  // Its subscriptions reach the server before the gateway asks.
  await worker.flush();
  const replyTo = `${nats.namespace}.reply.job-1`;
  const got: string[] = [];
  gateway.subscribe(replyTo, {
    callback: (_err, msg) => {
      const reply = decodeMessage(InferReply, msg.data);
      got.push(reply.kind === "chunk" ? `${reply.offset}:${reply.text}` : reply.kind);
    },
  });
  await gateway.flush();
  const publisher = new ReplyPublisher(worker, replyTo);
  const ended = recentReplies(worker).track("job-1", publisher);
  publisher.accepted({ workerId: "w1", attempt: 1, promptTokens: 2 });
  publisher.chunk("Once");
  // The gateway's link dropped: it asks the worker for the job's replies again.
  gateway.publish(names.subjects.resend("job-1"));
  await waitFor(() => got.length === 4, 5_000, "the replies sent again");
  publisher.chunk(" upon");
  publisher.done({ finishReason: "length", usage: { promptTokens: 2, completionTokens: 2 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } });
  ended();
  // A job nobody here knows: no answer. The ended one: all of it again.
  gateway.publish(names.subjects.resend("job-2"));
  gateway.publish(names.subjects.resend("job-1"));
  await waitFor(() => got.filter((g) => g === "done").length === 2, 5_000, "the ended job's replies sent again");
  expect(got).toEqual(["accepted", "0:Once", "accepted", "0:Once", "4: upon", "done", "accepted", "0:Once upon", "done"]);
  await cancels.stop();
});
