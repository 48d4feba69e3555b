import { describe, expect, it } from "vitest";
import { unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { ApiError } from "../errors/api-error.js";
import { ensurePathAllowed } from "./caller-auth.js";

const keyWith = (allowedPaths: string[]) => ({ keyHash: "h", policy: unrestrictedKeyPolicy("k", { allowedPaths }) });

function status(allowedPaths: string[], path: string): number {
  try {
    ensurePathAllowed(keyWith(allowedPaths), path);
    return 200;
  } catch (err) {
    return (err as ApiError).status;
  }
}

describe("a key's allowed paths on custom providers", () => {
  it("match a custom provider's call by its path below the provider, as BricksLLM keys name it", () => {
    expect(status(["/chat/completions"], "/api/custom/providers/llama-cpp-root/chat/completions")).toBe(200);
    expect(status(["/chat/*"], "/api/custom/providers/any/chat/completions")).toBe(200);
  });

  it("match nothing else by that path", () => {
    expect(status(["/chat/completions"], "/v1/chat/completions")).toBe(403);
    expect(status(["/chat/completions"], "/api/custom/providers/llama-cpp-root/embeddings")).toBe(403);
    expect(status(["/chat/completions"], "/api/custom/providers/chat/completions")).toBe(403);
  });

  it("still match the whole path", () => {
    expect(status(["/api/custom/providers/up/chat/completions"], "/api/custom/providers/up/chat/completions")).toBe(200);
    expect(status(["/api/custom/providers/up/chat/completions"], "/api/custom/providers/other/chat/completions")).toBe(403);
  });
});
