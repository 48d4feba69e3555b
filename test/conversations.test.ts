import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationMessageView, ConversationView } from "@lantern/shared/contracts";
import { startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { startTestStack, type TestStack } from "./harness/test-stack.js";

const MODEL = "stories260K";
const CONTEXT = 256;

let stack: TestStack;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker({ INFERENCE_MODELS: `${MODEL}=stories260K.gguf?slots=2&context=${CONTEXT}` });
  orchestrator = await startTestOrchestrator(stack.nats, { ORCHESTRATOR_TASK_CONCURRENCY: "0" });
});

afterAll(async () => {
  await orchestrator?.stop();
  await stack?.stop();
});

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body as T;
}

type Completion = { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number } };
const chat = (body: Record<string, unknown>) => send("POST", "/v1/chat/completions", { max_tokens: 8, temperature: 0, ...body });
const messagesOf = async (id: string) => (await json<{ data: ConversationMessageView[] }>(await send("GET", `/api/v1/conversations/${id}/messages`))).data;

describe("conversations", () => {
  it("creates, reads, renames, lists and deletes a conversation", async () => {
    const created = await json<ConversationView>(await send("POST", "/api/v1/conversations", { title: "first", model: MODEL, metadata: { topic: "cats" } }), 201);
    expect(created).toMatchObject({ object: "conversation", title: "first", model: MODEL, metadata: { topic: "cats" }, messageCount: 0 });
    const renamed = await json<ConversationView>(await send("PATCH", `/api/v1/conversations/${created.id}`, { title: "renamed" }));
    expect(renamed).toMatchObject({ title: "renamed", model: MODEL });
    const listed = await json<{ data: ConversationView[] }>(await send("GET", "/api/v1/conversations"));
    expect(listed.data.map((c) => c.id)).toContain(created.id);
    await json(await send("DELETE", `/api/v1/conversations/${created.id}`));
    const gone = await json<{ error: { param: string; code: string } }>(await send("GET", `/api/v1/conversations/${created.id}`), 404);
    expect(gone.error).toMatchObject({ param: "conversation", code: "conversation_not_found" });
  });

  it("prepends the stored history in the next turn and stores both turns", async () => {
    const conversation = await json<ConversationView>(await send("POST", "/api/v1/conversations", { model: MODEL }), 201);
    const first = await json<Completion>(await chat({ conversation: conversation.id, messages: [{ role: "user", content: "Once upon a time there was a cat." }] }));
    const turn = [{ role: "user", content: "What did the cat do?" }];
    const alone = await json<Completion>(await chat({ model: MODEL, messages: turn }));
    const res = await chat({ conversation: conversation.id, messages: turn });
    const second = await json<Completion>(res);
    expect(res.headers.get("x-lantern-conversation-history")).toBe("2");
    expect(second.usage.prompt_tokens).toBeGreaterThan(alone.usage.prompt_tokens);

    const stored = await messagesOf(conversation.id);
    expect(stored.map((m) => [m.seq, m.role])).toEqual([
      [1, "user"],
      [2, "assistant"],
      [3, "user"],
      [4, "assistant"],
    ]);
    expect(stored[0]!.content).toBe("Once upon a time there was a cat.");
    expect(stored[1]!.content).toBe(first.choices[0]!.message.content);
    expect(stored[3]!.content).toBe(second.choices[0]!.message.content);
    expect(stored[1]!.tokens).toBeGreaterThan(0);
  });

  it("keeps only the newest messages when the history exceeds the context", async () => {
    const conversation = await json<ConversationView>(await send("POST", "/api/v1/conversations", { model: MODEL }), 201);
    const history = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `Line ${i}: the little dog ran to the park.` }));
    await json(await send("POST", `/api/v1/conversations/${conversation.id}/messages`, { messages: history }), 201);
    const turn = { role: "user", content: "And then?" };
    const res = await chat({ conversation: conversation.id, messages: [turn] });
    const answer = await json<Completion>(res);
    const kept = Number(res.headers.get("x-lantern-conversation-history"));
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(history.length);
    expect(Number(res.headers.get("x-lantern-conversation-dropped"))).toBe(history.length - kept);
    expect(answer.usage.prompt_tokens).toBeLessThanOrEqual(CONTEXT - 8);
    // The same prompt as the newest `kept` messages sent by hand: the oldest were the ones left out.
    const byHand = await json<Completion>(await chat({ model: MODEL, messages: [...history.slice(-kept), turn] }));
    expect(answer.usage.prompt_tokens).toBe(byHand.usage.prompt_tokens);
  });

  it("refuses an unknown conversation and clears messages", async () => {
    const unknown = await json<{ error: { param: string } }>(await chat({ model: MODEL, conversation: "conv_nope", messages: [{ role: "user", content: "hi" }] }), 404);
    expect(unknown.error.param).toBe("conversation");
    const conversation = await json<ConversationView>(await send("POST", "/api/v1/conversations", {}), 201);
    await json(await send("POST", `/api/v1/conversations/${conversation.id}/messages`, { messages: [{ role: "user", content: "hello" }] }), 201);
    const cleared = await json<{ deleted: number }>(await send("DELETE", `/api/v1/conversations/${conversation.id}/messages`));
    expect(cleared.deleted).toBe(1);
    expect(await messagesOf(conversation.id)).toEqual([]);
  });
});
