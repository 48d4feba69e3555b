import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, type KeyPolicy, type UsageEvent } from "@lantern/shared/contracts";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { usageEventsInStream } from "@lantern/shared/testing";
import { startTestStack, waitFor, type InProcessWorker, type TestStack } from "./test-stack.js";

/** A stack for Anthropic's SDK: keys required (`GATEWAY_AUTH=auto` with one live key), one in-process worker. */
export interface AnthropicStack {
  stack: TestStack;
  worker: InProcessWorker;
  /** The official SDK with a live key, no retries: a test sees every error as sent. */
  client: Anthropic;
  secret: string;
  /** The SDK pointed at the gateway with this key. */
  clientWith(apiKey: string): Anthropic;
  /** Writes a key's policy into KV `keys` as the admin service does and waits until the gateway takes it. */
  putKey(over?: Partial<KeyPolicy>): Promise<string>;
  /** Each request's one usage event, waiting for them to reach the EVENTS stream. */
  eventsFor(requestIds: string[]): Promise<UsageEvent[]>;
}

export function useAnthropicStack(workerEnv: Record<string, string> = {}): AnthropicStack {
  let nc: NatsConnection | undefined;
  let keyCount = 0;
  const ctx = {} as AnthropicStack;
  beforeAll(async () => {
    ctx.stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
    ctx.worker = await ctx.stack.startWorker(workerEnv);
    nc = await connect({ servers: ctx.stack.nats.url });
    const { keys } = await ensureEdgeBuckets(nc, natsNames(ctx.stack.nats.namespace));
    ctx.clientWith = (apiKey) => new Anthropic({ baseURL: ctx.stack.baseUrl, apiKey, maxRetries: 0 });
    ctx.putKey = async (over = {}) => {
      const secret = `sk-ant-test-${keyCount}-${Math.random().toString(36).slice(2)}`;
      await keys.put(hashApiKey(secret), JSON.stringify(unrestrictedKeyPolicy(`key${keyCount++}`, over)));
      // Listing models admits nothing, so waiting costs a limited key none of its requests.
      await waitFor(async () => (await fetch(`${ctx.stack.baseUrl}/v1/models`, { headers: { "x-api-key": secret } })).ok, 5_000, "the key known");
      return secret;
    };
    ctx.secret = await ctx.putKey();
    ctx.client = ctx.clientWith(ctx.secret);
    ctx.eventsFor = async (requestIds) => {
      let events: UsageEvent[] = [];
      await waitFor(async () => {
        events = await usageEventsInStream(nc!, natsNames(ctx.stack.nats.namespace));
        return requestIds.every((id) => events.some((event) => event.requestId === id));
      }, 10_000, "usage events");
      return requestIds.map((id) => events.find((event) => event.requestId === id)!);
    };
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await ctx.stack?.stop();
  });
  return ctx;
}

/** The gateway's request id of a message (its id is `msg_<request id>`). */
export const requestIdOf = (message: { id: string }) => message.id.replace(/^msg_/, "");
