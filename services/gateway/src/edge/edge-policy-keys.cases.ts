import { beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "@lantern/shared/contracts";
import { call, chat, expectOpenAiError, SLOW_MODEL, withinOneMinute, type EdgePolicyStack } from "../../../../test/harness/edge-policy-stack.js";
import { BUNDLED_MODEL, waitFor } from "../../../../test/harness/test-stack.js";

/*
 * Keys at the edge: auto mode, refusals in OpenAI's shape, what a key may use, how fast a revoke
 * reaches both gateway replicas, and the rate-limit headers. Limits, budgets and usage events are
 * in edge-policy-limits.cases.ts.
 */

export function keyPolicyCases(edge: EdgePolicyStack): void {
  describe("auto mode", () => {
    it("is open while no key exists, requires one once a key appears, and stays closed when it is revoked", async () => {
      for (const url of edge.gateways) expect((await chat(url, null)).status).toBe(200);
      const { secret, policy } = await edge.putKey();
      for (const url of edge.gateways) {
        await waitFor(async () => (await call(url, "/v1/models", null)).status === 401, 5_000, "keys required");
        expectOpenAiError(await chat(url, null), 401, "invalid_request_error", "invalid_api_key");
        expect((await chat(url, secret)).status).toBe(200);
      }
      await edge.keys.put(hashApiKey(secret), JSON.stringify({ ...policy, revoked: true }));
      for (const url of edge.gateways) await waitFor(async () => (await chat(url, secret)).status === 401, 5_000, "the key revoked");
      // Revoking the last key must not open the gateway to everyone.
      for (const url of edge.gateways) expectOpenAiError(await chat(url, null), 401, "invalid_request_error", "invalid_api_key");
    });
  });

  describe("keys", () => {
    beforeAll(async () => {
      // From here on at least one live key exists: every request needs one.
      await edge.putKey();
    });

    it("answers 401 in OpenAI's shape for a missing, unknown, revoked or expired key", async () => {
      const { secret: revoked } = await edge.putKey({ revoked: true });
      const { secret: expired } = await edge.putKey({ expiresAt: Date.now() - 1000 });
      await waitFor(async () => (await chat(edge.stack.baseUrl, expired)).status === 401);
      const missing = await chat(edge.stack.baseUrl, null);
      expectOpenAiError(missing, 401, "invalid_request_error", "invalid_api_key");
      expectOpenAiError(await chat(edge.stack.baseUrl, "sk-nobody"), 401, "invalid_request_error", "invalid_api_key");
      const revokedAnswer = await chat(edge.stack.baseUrl, revoked);
      expectOpenAiError(revokedAnswer, 401, "invalid_request_error", "invalid_api_key");
      expect(revokedAnswer.body.error.message).toMatch(/revoked/);
      const expiredAnswer = await chat(edge.stack.baseUrl, expired);
      expect(expiredAnswer.body.error.message).toMatch(/expired/);
    });

    it("answers 403 for a path or a model the key may not use, and lists only its models", async () => {
      const { secret: modelsOnly } = await edge.putKey({ allowedPaths: ["/v1/models*"] });
      const { secret: slowOnly } = await edge.putKey({ allowedModels: [SLOW_MODEL] });
      await waitFor(async () => (await call(edge.stack.baseUrl, "/v1/models", slowOnly)).status === 200);
      expect((await call(edge.stack.baseUrl, "/v1/models", modelsOnly)).status).toBe(200);
      const path = await chat(edge.stack.baseUrl, modelsOnly);
      expectOpenAiError(path, 403, "permission_error", "path_not_allowed");
      const model = await chat(edge.stack.baseUrl, slowOnly);
      expectOpenAiError(model, 403, "permission_error", "model_not_allowed");
      expect(model.body.error.param).toBe("model");
      const listed = await call(edge.stack.baseUrl, "/v1/models", slowOnly);
      expect(listed.body.data.map((m: { id: string }) => m.id)).toEqual([SLOW_MODEL]);
      expect((await call(edge.stack.baseUrl, `/v1/models/${BUNDLED_MODEL}`, slowOnly)).status).toBe(404);
    });

    it("a revoke and a policy change are seen by both gateways within 1 s", async () => {
      const { secret, policy } = await edge.putKey();
      for (const url of edge.gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);

      const seenWithin = async (check: (url: string) => Promise<boolean>) => {
        const since = performance.now();
        await Promise.all(edge.gateways.map((url) => waitFor(() => check(url), 5_000)));
        return performance.now() - since;
      };
      await edge.keys.put(hashApiKey(secret), JSON.stringify({ ...policy, allowedModels: [SLOW_MODEL] }));
      expect(await seenWithin(async (url) => (await chat(url, secret)).status === 403)).toBeLessThan(1_000);
      await edge.keys.put(hashApiKey(secret), JSON.stringify({ ...policy, revoked: true }));
      expect(await seenWithin(async (url) => (await call(url, "/v1/models", secret)).status === 401)).toBeLessThan(1_000);
    });
  });

  describe("rate-limit headers", () => {
    it("tell the client, as OpenAI's do, what is left of the tightest window of each kind, 429s included", async () => {
      const { secret } = await edge.putKey({
        rateLimits: [
          { kind: "requests", limit: 3, windowSeconds: 3_600 },
          { kind: "requests", limit: 100, windowSeconds: 60 },
          { kind: "tokens", limit: 1_000_000, windowSeconds: 86_400 },
        ],
      });
      await waitFor(async () => (await call(edge.stack.baseUrl, "/v1/models", secret)).status === 200);
      const answers = await withinOneMinute(10, async () => [await chat(edge.stack.baseUrl, secret), await chat(edge.stack.baseUrl, secret), await chat(edge.stack.baseUrl, secret), await chat(edge.stack.baseUrl, secret)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => a.headers.get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0", "0"]);
      for (const answer of answers) {
        expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("3");
        // The hour's window: "59m58s", or "1h0m0s" in the first second of an hour.
        const reset = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(answer.headers.get("x-ratelimit-reset-requests") ?? "");
        expect(reset, answer.headers.get("x-ratelimit-reset-requests") ?? "none").not.toBeNull();
        const [h, m, s] = reset!.slice(1).map((part) => Number(part ?? 0));
        expect(h! * 3_600 + m! * 60 + s!).toBeGreaterThan(0);
        expect(h! * 3_600 + m! * 60 + s!).toBeLessThanOrEqual(3_600);
        expect(answer.headers.get("x-ratelimit-limit-tokens")).toBe("1000000");
        expect(Number(answer.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(1_000_000);
      }
      // A key without rate limits gets none.
      const { secret: unlimited } = await edge.putKey();
      await waitFor(async () => (await call(edge.stack.baseUrl, "/v1/models", unlimited)).status === 200);
      expect((await chat(edge.stack.baseUrl, unlimited)).headers.get("x-ratelimit-limit-requests")).toBeNull();
    });
  });
}
