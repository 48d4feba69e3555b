import type { z } from "zod";
import { ModelPullCommand, PullId } from "@lantern/shared/contracts";

type DecodedPullCommand =
  | { ok: true; command: ModelPullCommand }
  /** `pullId` when the body carried a usable one, so the sender can be told what was wrong. */
  | { ok: false; pullId: string | null; reason: string };

type Issue = z.core.$ZodIssue;

/** Of a union's alternatives, the one that came closest (fewest issues) explains the failure best. */
function flatten(issues: readonly Issue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      return flatten(closest, path);
    }
    return [`${path.map(String).join(".") || "(body)"}: ${issue.message}`];
  });
}

/** Parses a pull command; an invalid one is described field by field. */
export function decodePullCommand(data: Uint8Array): DecodedPullCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, pullId: null, reason: "the pull command is not JSON" };
  }
  const parsed = ModelPullCommand.safeParse(raw);
  if (parsed.success) return { ok: true, command: parsed.data };
  const pullId = PullId.safeParse((raw as { pullId?: unknown } | null)?.pullId);
  return { ok: false, pullId: pullId.success ? pullId.data : null, reason: `invalid pull command: ${flatten(parsed.error.issues).join("; ")}` };
}
