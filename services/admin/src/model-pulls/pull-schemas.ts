import { z } from "@hono/zod-openapi";
import { HubRepo, HubRevision, ModelPullEvent, PullId, RepoFilePath, Sha256Hex, type ModelPullTarget } from "@lantern/shared/contracts";

const TARGET_OF_REPO = ["repo", "file", "revision", "sha256"] as const;

/**
 * `POST /api/models/pull`: a preset, or a repository file. One flat object (rather than a union)
 * so that a mistake is reported on the field that has it.
 */
export const PullRequestBody = z
  .strictObject({
    preset: z.string().min(1).max(128).optional().openapi({ description: "A preset of the fetcher's catalogue.", example: "qwen2.5-0.5b-instruct" }),
    // The contract's own schemas, so the API refuses exactly what a fetcher would.
    repo: HubRepo.optional().describe("Hugging Face repository `owner/name` (with `file`), e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF."),
    file: RepoFilePath.optional().describe("Path of the GGUF file in the repository, e.g. qwen2.5-0.5b-instruct-q8_0.gguf."),
    revision: HubRevision.optional().describe("Branch, tag or commit (default `main`)."),
    sha256: Sha256Hex.optional().describe("Digest the file must have (default: the hub's)."),
    name: z.string().min(1).max(256).optional().openapi({ description: "Name to serve it under (default: the file name without `.gguf`)." }),
    distribute: z.boolean().optional().openapi({ description: "Also store it in the NATS object store, for workers on other hosts." }),
  })
  .superRefine((body, ctx) => {
    if (body.preset !== undefined) {
      for (const key of TARGET_OF_REPO) {
        if (body[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "goes with repo and file, not with a preset (a preset pins its own)" });
      }
      return;
    }
    if (body.repo === undefined) ctx.addIssue({ code: "custom", path: ["repo"], message: "give a preset, or a repo and a file" });
    if (body.file === undefined) ctx.addIssue({ code: "custom", path: ["file"], message: "give a preset, or a repo and a file" });
  })
  .openapi("ModelPullRequest");
export type PullRequestBody = z.infer<typeof PullRequestBody>;

export function pullTargetOf(body: PullRequestBody): ModelPullTarget {
  if (body.preset !== undefined) return { preset: body.preset };
  return {
    repo: body.repo!,
    file: body.file!,
    ...(body.revision === undefined ? {} : { revision: body.revision }),
    ...(body.sha256 === undefined ? {} : { sha256: body.sha256 }),
  };
}

export const PullAccepted = z
  .object({
    pullId: PullId.describe("Names the pull in its events."),
    events: z.string().openapi({ description: "Where the pull's events can be followed (SSE)." }),
  })
  .openapi("ModelPullAccepted");

export const PullIdParam = z.object({ pullId: PullId });

/** One SSE event per pull event: `event:` is its type, `data:` the event as JSON. */
export const pullEventStream = {
  description: "The pull's events (started, progress, done or failed) as server-sent events, ending after done or failed",
  content: { "text/event-stream": { schema: ModelPullEvent } },
};
