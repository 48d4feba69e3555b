import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, GetRunRequest, ListRunsReply, natsNames, type NatsNames } from "@lantern/shared/contracts";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { ApiError } from "../errors/api-error.js";
import { OrchestratorClient } from "./orchestrator-client.js";

let nats: TestNats;
let nc: NatsConnection;
let names: NatsNames;

beforeAll(async () => {
  nats = await useTestNats("orchclient");
  nc = await connect({ servers: nats.url });
  names = natsNames(nats.namespace);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const ask = (client: OrchestratorClient) => client.request("get", GetRunRequest, { v: 1, runId: "run-1" }, ListRunsReply);

describe("OrchestratorClient", () => {
  it("reaches an orchestrator that subscribes a moment after the request (its link coming back)", async () => {
    const client = new OrchestratorClient(nc, names, 5_000);
    const asked = ask(client);
    await new Promise((r) => setTimeout(r, 700));
    const sub = nc.subscribe(names.subjects.orchestratorPipelines("get"), {
      callback: (_err, msg) => {
        expect(decodeMessage(GetRunRequest, msg.data).runId).toBe("run-1");
        msg.respond(encodeMessage(ListRunsReply, { v: 1, ok: true, runs: [] }));
      },
    });
    try {
      await expect(asked).resolves.toMatchObject({ ok: true, runs: [] });
    } finally {
      sub.unsubscribe();
    }
  });

  it("answers 503 orchestrator_unavailable when none comes within a few seconds", async () => {
    const client = new OrchestratorClient(nc, names, 5_000);
    const err = await ask(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, code: "orchestrator_unavailable" });
  });
});
