import OpenAI from "openai";
import { afterAll, beforeAll } from "vitest";
import { startTestStack, type InProcessWorker, type TestStack } from "./test-stack.js";

export interface SdkStack {
  stack: TestStack;
  worker: InProcessWorker;
  /** The official SDK pointed at the gateway; no retries, so a test sees every error as sent. */
  client: OpenAI;
}

/** The official SDK pointed at a gateway; no retries, so a test sees every error as sent. */
export function sdkClient(baseUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: "unused", maxRetries: 0 });
}

/** For one test file: a stack with one in-process worker and an SDK client, stopped after the file. */
export function useSdkStack(workerEnv: Record<string, string> = {}): SdkStack {
  const ctx = {} as SdkStack;
  beforeAll(async () => {
    ctx.stack = await startTestStack();
    ctx.worker = await ctx.stack.startWorker(workerEnv);
    ctx.client = sdkClient(ctx.stack.baseUrl);
  });
  afterAll(async () => {
    await ctx.stack?.stop();
  });
  return ctx;
}
