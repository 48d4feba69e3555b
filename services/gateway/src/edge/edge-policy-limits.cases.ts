import { describe, expect, it } from "vitest";
import { toModelToken } from "@lantern/shared/contracts";
import { call, chat, expectOpenAiError, SLOW_MODEL, withinOneMinute, type EdgePolicyStack } from "../../../../test/harness/edge-policy-stack.js";
import { BUNDLED_MODEL, waitFor } from "../../../../test/harness/test-stack.js";

/*
 * Limits, budgets and usage events at the edge, held across two gateway replicas on one NATS
 * namespace. Keys and rate-limit headers are in edge-policy-keys.cases.ts.
 */

export function limitPolicyCases(edge: EdgePolicyStack): void {
  describe("limits across two gateways", () => {
    it("admits exactly N of ~3N concurrent requests under an rpm of N, refusing the rest with 429 and Retry-After", async () => {
      const N = 8;
      const { secret } = await edge.putKey({ rateLimits: [{ kind: "requests", limit: N, windowSeconds: 60 }] });
      for (const url of edge.gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
      const answers = await withinOneMinute(15, () => Promise.all(Array.from({ length: 3 * N }, (_, i) => chat(edge.gateways[i % 2]!, secret, { max_tokens: 2 }))));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(N);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused).toHaveLength(2 * N);
      for (const answer of refused) {
        expectOpenAiError(answer, 429, "requests", "rate_limit_exceeded");
        const retryAfter = Number(answer.headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      // Both edge.gateways admitted some and refused some: the counters really are shared.
      expect(new Set(answers.flatMap((a, i) => (a.status === 200 ? [] : [i % 2])))).toEqual(new Set([0, 1]));
    });

    it("a tpm limit cannot be overspent by concurrent requests: real usage stays within it", async () => {
      const limit = 600;
      const { secret } = await edge.putKey({ rateLimits: [{ kind: "tokens", limit, windowSeconds: 60 }] });
      for (const url of edge.gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
      const answers = await withinOneMinute(15, () => Promise.all(Array.from({ length: 30 }, (_, i) => chat(edge.gateways[i % 2]!, secret, { max_tokens: 16 }))));
      const served = answers.filter((a) => a.status === 200);
      expect(served.length).toBeGreaterThan(0);
      for (const answer of answers.filter((a) => a.status !== 200)) expectOpenAiError(answer, 429, "tokens", "rate_limit_exceeded");
      expect(served.length).toBeLessThan(answers.length);
      const used = served.reduce((sum, a) => sum + a.body.usage.total_tokens, 0);
      expect(used).toBeLessThanOrEqual(limit);
    });

    it("a budget cannot be overspent by concurrent requests: the real cost of what was served stays within it", async () => {
      // $1 per thousand prompt tokens and $2 per thousand completion tokens.
      await edge.setPrice(BUNDLED_MODEL, 1000, 2000);
      const amountUsd = 0.5;
      const { secret } = await edge.putKey({ budget: { amountUsd, period: "day" } });
      for (const url of edge.gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(edge.gateways[i % 2]!, secret, { max_tokens: 16 })));
      const served = answers.filter((a) => a.status === 200);
      expect(served.length).toBeGreaterThan(0);
      expect(served.length).toBeLessThan(answers.length);
      for (const answer of answers.filter((a) => a.status !== 200)) expectOpenAiError(answer, 429, "insufficient_quota", "insufficient_quota");
      const events = await edge.eventsFor(answers.map((a) => a.requestId));
      const spent = events.reduce((sum, e) => sum + e.costUsd, 0);
      expect(spent).toBeGreaterThan(0);
      expect(spent).toBeLessThanOrEqual(amountUsd);
      for (const answer of served) {
        const event = events.find((e) => e.requestId === answer.requestId)!;
        expect(event.costUsd).toBeCloseTo((answer.body.usage.prompt_tokens * 1000 + answer.body.usage.completion_tokens * 2000) / 1e6, 9);
      }
      await edge.prices.delete(toModelToken(BUNDLED_MODEL));
    });

    it("a request too big for a whole token window or a whole budget says so, with no Retry-After: waiting would not help", async () => {
      await edge.setPrice(BUNDLED_MODEL, 1000, 2000);
      const { secret } = await edge.putKey({ rateLimits: [{ kind: "tokens", limit: 100, windowSeconds: 60 }], budget: { amountUsd: 0.5, period: "day" } });
      await waitFor(async () => (await call(edge.gateways[0]!, "/v1/models", secret)).status === 200);

      const tooManyTokens = await chat(edge.gateways[0]!, secret, { max_tokens: 500 });
      expectOpenAiError(tooManyTokens, 429, "tokens", "rate_limit_exceeded");
      expect(tooManyTokens.body.error.message).toMatch(/^This request may use \d+ tokens \(its prompt's size and max_tokens\), more than the limit of 100 tokens per 60 s of this API key\./);
      expect(tooManyTokens.headers.get("retry-after")).toBeNull();

      // The body's bytes bound its prompt tokens (about $0.07 of them), 80 completion tokens add $0.16: more than $0.2.
      const { secret: small } = await edge.putKey({ budget: { amountUsd: 0.2, period: "day" } });
      await waitFor(async () => (await call(edge.gateways[0]!, "/v1/models", small)).status === 200);
      const tooDear = await chat(edge.gateways[0]!, small, { max_tokens: 80 });
      expectOpenAiError(tooDear, 429, "insufficient_quota", "insufficient_quota");
      expect(tooDear.body.error.message).toMatch(/^This request may cost up to \$0\.\d+ \(its prompt's size and max_tokens at the model's prices\), more than the \$0\.2 left of the \$0\.2 budget of this API key for the period\./);
      expect(tooDear.headers.get("retry-after")).toBeNull();

      // The same key can still afford a small request.
      expect((await chat(edge.gateways[0]!, small, { max_tokens: 4 })).status).toBe(200);
      await edge.prices.delete(toModelToken(BUNDLED_MODEL));
    });

    it("holds max concurrent across both gateways, and frees a slot when a client leaves", async () => {
      const { secret } = await edge.putKey({ maxConcurrent: 2 });
      for (const url of edge.gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
      // Streams of the slow model run for minutes: they hold their slots until the client leaves.
      const aborts = Array.from({ length: 8 }, () => new AbortController());
      const opened = await Promise.all(
        aborts.map((abort, i) =>
          fetch(`${edge.gateways[i % 2]}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
            body: JSON.stringify({ model: SLOW_MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 5000, stream: true }),
            signal: abort.signal,
          }),
        ),
      );
      const held = opened.filter((res) => res.status === 200);
      expect(held).toHaveLength(2);
      for (const res of opened.filter((r) => r.status !== 200)) {
        expect(res.status).toBe(429);
        expect(res.headers.get("retry-after")).toBe("1");
        expect(((await res.json()) as any).error.code).toBe("concurrency_limit_exceeded");
      }
      const heldIds = held.map((res) => res.headers.get("x-request-id")!);
      aborts.forEach((abort, i) => opened[i]!.status === 200 && abort.abort());
      await waitFor(async () => (await chat(edge.second.url, secret, { max_tokens: 1 })).status === 200, 10_000, "a slot freed");
      const events = await edge.eventsFor(heldIds);
      for (const event of events) expect(event.status).toBe(499);
    });
  });

  describe("usage events", () => {
    it("streamed and non-streamed requests carry the same real tokens and cost", async () => {
      await edge.setPrice(BUNDLED_MODEL, 1000, 2000);
      const { secret, policy } = await edge.putKey();
      await waitFor(async () => (await call(edge.stack.baseUrl, "/v1/models", secret)).status === 200);
      const request = { max_tokens: 12, temperature: 0, seed: 7 };
      const plain = await chat(edge.stack.baseUrl, secret, request);
      const streamed = await chat(edge.second.url, secret, { ...request, stream: true });
      expect(plain.status).toBe(200);
      expect(streamed.status).toBe(200);
      const [plainEvent, streamedEvent] = await edge.eventsFor([plain.requestId, streamed.requestId]);
      expect(plainEvent!.stream).toBe(false);
      expect(streamedEvent!.stream).toBe(true);
      expect(plainEvent!.promptTokens).toBe(plain.body.usage.prompt_tokens);
      expect(plainEvent!.completionTokens).toBe(plain.body.usage.completion_tokens);
      expect(streamedEvent!.promptTokens).toBe(plainEvent!.promptTokens);
      expect(streamedEvent!.completionTokens).toBe(plainEvent!.completionTokens);
      expect(streamedEvent!.costUsd).toBeGreaterThan(0);
      expect(streamedEvent!.costUsd).toBe(plainEvent!.costUsd);
      for (const event of [plainEvent!, streamedEvent!]) {
        expect(event).toMatchObject({ keyId: policy.keyId, model: BUNDLED_MODEL, provider: "local", status: 200, errorType: null, cacheHit: false });
        expect(event.workerIds).toHaveLength(1);
        expect(event.ttftMs).not.toBeNull();
        expect(event.latencyMs).toBeGreaterThanOrEqual(event.ttftMs!);
      }
      expect(plainEvent!.gatewayId).not.toBe(streamedEvent!.gatewayId);
      await edge.prices.delete(toModelToken(BUNDLED_MODEL));
    });

    it("every request, refused or not, produces exactly one event with its status", async () => {
      const { secret } = await edge.putKey({ allowedModels: [BUNDLED_MODEL], rateLimits: [{ kind: "requests", limit: 1, windowSeconds: 86_400 }] });
      await waitFor(async () => (await call(edge.stack.baseUrl, "/v1/models", secret)).status === 200);
      const answers = [
        await chat(edge.stack.baseUrl, secret), // 200
        await chat(edge.stack.baseUrl, secret), // 429
        await chat(edge.stack.baseUrl, null), // 401
        await chat(edge.stack.baseUrl, secret, { model: SLOW_MODEL }), // 403
        await chat(edge.stack.baseUrl, secret, { model: "no-such-model" }), // 404
        await call(edge.stack.baseUrl, "/v1/chat/completions", secret, { model: BUNDLED_MODEL }), // 400
        await call(edge.stack.baseUrl, "/v1/nowhere", secret), // 404
        await call(edge.stack.baseUrl, "/v1/models", secret), // 200
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 429, 401, 403, 404, 400, 404, 200]);
      const events = await edge.eventsFor(answers.map((a) => a.requestId));
      expect(events.map((e) => e.status)).toEqual([200, 429, 401, 403, 404, 400, 404, 200]);
      expect(events.map((e) => e.errorType)).toEqual([null, "requests", "invalid_request_error", "permission_error", "invalid_request_error", "invalid_request_error", "invalid_request_error", null]);
      expect(events[2]!.keyId).toBeNull();
      expect(events[3]!.model).toBe(SLOW_MODEL);
      expect(events[4]!.model).toBe("no-such-model");
      expect(events[0]!.completionTokens).toBeGreaterThan(0);
      expect(events[1]!.completionTokens).toBe(0);
    });
  });
}
