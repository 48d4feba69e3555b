import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GuideChatServerFrame } from "@lantern/shared/contracts";
import { loadGatewayConfig } from "@lantern/gateway";
import { BUNDLED_MODEL, startTestStack, type TestStack } from "./harness/test-stack.js";
import { openSocket, type TestSocket } from "./harness/ws-client.js";

/*
 * The llama.cpp guide (seed 004): its React chat page and its Python client's frames against the
 * gateway's chat socket, at the guide's path. A bare `{"content"}` frame is a turn on the socket's
 * history with the default model and system prompt; answered with `delta` frames, then `done`.
 * The stack sets the turn's temperature to 0, so the answer can be compared with the HTTP API's.
 */

let stack: TestStack;
const SYSTEM = { role: "system", content: "You are a helpful assistant." };

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_CHAT_DEFAULT_TEMPERATURE: "0" } });
  // A small context: a bare turn has no token bound, and the bundled model writes until it is full.
  await stack.startWorker({ INFERENCE_CONTEXT_SIZE: "384" });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** The guide's page: `new WebSocket(VITE_API_URL.replace(/^http/, 'ws') + '/api/v1/ws/chat')`. */
const guideSocket = () => openSocket(stack.baseUrl, "/api/v1/ws/chat");

/**
 * One turn as the React page sends it (`{content: text}`, trimmed), and its `onmessage`: each
 * `delta`'s `content` appended to the assistant message until `done`. Every frame has only the
 * guide's fields.
 */
async function send(socket: TestSocket, text: string): Promise<string> {
  const from = socket.frames.length;
  socket.send({ content: text.trim() });
  await socket.next((f) => f.type === "done" || f.type === "error", from, "done");
  const frames = socket.frames.slice(from);
  let assistant = "";
  for (const frame of frames) {
    GuideChatServerFrame.parse(frame);
    if (frame.type === "delta") {
      expect(Object.keys(frame).sort()).toEqual(["content", "type"]);
      assistant += frame.content;
    }
  }
  expect(frames.at(-1)).toEqual({ type: "done" });
  return assistant;
}

/** The same conversation through `/v1/chat/completions`, with the guide's system prompt and temperature. */
async function httpAnswer(messages: Array<{ role: string; content: string }>): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: BUNDLED_MODEL, messages: [SYSTEM, ...messages], temperature: 0, stream: false }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
  return body.choices[0]!.message.content;
}

describe("the llama.cpp guide's chat socket", () => {
  it("answers a bare {content} frame with delta frames then done, as the HTTP API answers the same chat", async () => {
    const socket = await guideSocket();
    const answer = await send(socket, "  Once upon a time ");
    expect(answer.length).toBeGreaterThan(0);
    expect(answer).toBe(await httpAnswer([{ role: "user", content: "Once upon a time" }]));
    await socket.close();
  });

  it("keeps the socket's history across turns until {type: reset} answers reset_ok", async () => {
    const socket = await guideSocket();
    // The bundled model writes until its context is full, so the earlier turn is a Lantern chat
    // with a token bound: the history is the socket's, whichever protocol added to it.
    socket.send({ type: "chat", id: "t1", model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 12, temperature: 0 } });
    await socket.next((f) => f.type === "done" && f.id === "t1");
    const first = socket.frames.filter((f) => f.id === "t1" && f.type === "delta").map((f) => f.content ?? "").join("");
    const second = await send(socket, "The end.");
    expect(second).toBe(
      await httpAnswer([
        { role: "user", content: "Once upon a time" },
        { role: "assistant", content: first },
        { role: "user", content: "The end." },
      ]),
    );
    const from = socket.frames.length;
    socket.send({ type: "reset" });
    expect(await socket.next((f) => f.type === "reset_ok", from)).toEqual({ type: "reset_ok" });
    // A fresh history: the answer of a first turn.
    expect(await send(socket, "The end.")).toBe(await httpAnswer([{ role: "user", content: "The end." }]));
    await socket.close();
  });

  it("answers bad input with the guide's error frame, and the socket goes on", async () => {
    const socket = await guideSocket();
    const errorFor = async (frame: string) => {
      const from = socket.frames.length;
      socket.ws.send(frame);
      const error = await socket.next((f) => f.type === "error", from, `the error for ${frame}`);
      expect(GuideChatServerFrame.parse(error)).toEqual(error);
      expect(Object.keys(error).sort()).toEqual(["message", "type"]);
      return error.message as string;
    };
    expect(await errorFor(JSON.stringify({ content: "" }))).toBe("empty content");
    expect(await errorFor(JSON.stringify({ content: "   " }))).toBe("empty content");
    expect(await errorFor(JSON.stringify({}))).toBe("empty content");
    expect(await errorFor(JSON.stringify({ content: 42 }))).toBe("content must be a string");
    // Not JSON on the guide's path: its shape too.
    expect(await errorFor("hello")).toMatch(/JSON/);
    expect(await errorFor("[1]")).toMatch(/object/);
    expect((await send(socket, "Once")).length).toBeGreaterThan(0);
    await socket.close();
  });

  it("is the same socket as /v1/ws/chat: Lantern's frames work on the guide's path, bare frames on Lantern's", async () => {
    const socket = await guideSocket();
    socket.send({ type: "chat", id: "a", model: BUNDLED_MODEL, content: "Once", params: { max_tokens: 8, temperature: 0 } });
    const done = await socket.next((f) => f.type === "done" && f.id === "a");
    expect(done).toMatchObject({ finish_reason: "length", usage: { completion_tokens: 8 } });
    await socket.close();

    const lantern = await openSocket(stack.baseUrl, "/v1/ws/chat");
    expect((await send(lantern, "Once upon a time")).length).toBeGreaterThan(0);
    // An unreadable frame on Lantern's path, before any readable one, gets Lantern's error frame.
    const fresh = await openSocket(stack.baseUrl, "/v1/ws/chat");
    fresh.ws.send("hello");
    expect(await fresh.next((f) => f.type === "error")).toMatchObject({ id: null, error: { type: "invalid_request_error" } });
    await lantern.close();
    await fresh.close();
  });

  it("takes the guide's defaults unless configured: its system prompt, temperature 0.2, LLM_MODEL without .gguf", () => {
    const defaults = loadGatewayConfig({});
    expect(defaults.GATEWAY_CHAT_DEFAULT_SYSTEM_PROMPT).toBe("You are a helpful assistant.");
    expect(defaults.GATEWAY_CHAT_DEFAULT_TEMPERATURE).toBe(0.2);
    expect(defaults.GATEWAY_CHAT_DEFAULT_MODEL).toBeUndefined();
    expect(loadGatewayConfig({ LLM_MODEL: "gemma-3-4b-it-q4_0.gguf" }).LLM_MODEL).toBe("gemma-3-4b-it-q4_0");
  });
});
