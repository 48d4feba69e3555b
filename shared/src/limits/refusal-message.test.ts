import { describe, expect, it } from "vitest";
import { refusalIsFinal, refusalMessage } from "./refusal-message.js";

const KEY = "This API key";

describe("refusalMessage", () => {
  it("tells a reached token limit from a request bigger than the whole window", () => {
    const reached = { kind: "tokens", limit: 100, windowSeconds: 60, retryAfterSeconds: 12, requested: 40 } as const;
    expect(refusalMessage(reached, KEY, "request")).toBe("Rate limit reached: 100 tokens per 60 s for this API key. Retry after 12 s.");
    expect(refusalIsFinal(reached)).toBe(false);
    const tooBig = { ...reached, requested: 140 };
    expect(refusalMessage(tooBig, KEY, "request")).toBe(
      "This request may use 140 tokens (its prompt's size and max_tokens), more than the limit of 100 tokens per 60 s of this API key. Lower max_tokens or shorten the prompt.",
    );
    expect(refusalIsFinal(tooBig)).toBe(true);
  });

  it("tells a spent budget from a request dearer than what is left, in plain dollars", () => {
    const spent = { kind: "budget", amountUsd: 1, retryAfterSeconds: 3600, spentUsd: 1, requestUsd: 0.01 } as const;
    expect(refusalMessage(spent, KEY, "request")).toBe("This API key has used its budget of $1 for the period.");
    expect(refusalIsFinal(spent)).toBe(false);
    const dear = { ...spent, spentUsd: 0.99, requestUsd: 0.1 + 0.2 };
    expect(refusalMessage(dear, "The API key this work belongs to", "call")).toBe(
      "This call may cost up to $0.3 (its prompt's size and max_tokens at the model's prices), more than the $0.01 left of the $1 budget of the API key this work belongs to for the period. Lower max_tokens or shorten the prompt.",
    );
    expect(refusalIsFinal(dear)).toBe(false);
    expect(refusalIsFinal({ ...dear, requestUsd: 2 })).toBe(true);
    // A budget over the key's whole life never comes back.
    expect(refusalIsFinal({ ...spent, retryAfterSeconds: null })).toBe(true);
  });

  it("names requests and concurrency as before", () => {
    expect(refusalMessage({ kind: "requests", limit: 3, windowSeconds: 60, retryAfterSeconds: 30, requested: 1 }, KEY, "request")).toBe(
      "Rate limit reached: 3 requests per 60 s for this API key. Retry after 30 s.",
    );
    expect(refusalMessage({ kind: "concurrency", limit: 2, retryAfterSeconds: 1 }, KEY, "request")).toBe("Too many concurrent requests for this API key (at most 2).");
  });
});
