import { expect, it } from "vitest";
import { cacheKey } from "./cache-key.js";

const base = { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0 };

it("ignores key order, absent and null fields, and the delivery-only fields", () => {
  const key = cacheKey(null, "chat", base);
  expect(cacheKey(null, "chat", { temperature: 0, messages: [{ content: "hi", role: "user" }], model: "m" })).toBe(key);
  expect(cacheKey(null, "chat", { ...base, top_p: null, stop: undefined })).toBe(key);
  expect(cacheKey(null, "chat", { ...base, stream: true, stream_options: { include_usage: true }, user: "u1", priority: "high" })).toBe(key);
});

it("changes with anything that changes the answer, and with the scope", () => {
  const key = cacheKey(null, "chat", base);
  expect(cacheKey(null, "chat", { ...base, model: "m2" })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, messages: [{ role: "user", content: "hi!" }] })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, max_tokens: 5 })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, seed: 1 })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, n: 2 })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, logprobs: true })).not.toBe(key);
  expect(cacheKey(null, "chat", { ...base, response_format: { type: "json_object" } })).not.toBe(key);
  expect(cacheKey(null, "completions", base)).not.toBe(key);
});

it("gives each API key its own entries, and open mode its own", () => {
  const open = cacheKey(null, "chat", base);
  expect(cacheKey("key_a", "chat", base)).not.toBe(open);
  expect(cacheKey("key_a", "chat", base)).not.toBe(cacheKey("key_b", "chat", base));
  expect(cacheKey("key_a", "chat", base)).toBe(cacheKey("key_a", "chat", { ...base }));
});
