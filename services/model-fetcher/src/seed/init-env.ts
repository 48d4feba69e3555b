import { z } from "zod";

const optional = (schema: z.ZodString) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/**
 * What the stack's one-shot model init (compose/model-init.sh, in the fetcher's image) pulls after
 * seeding: Lantern's list, and the llama.cpp guide's `llm_init` variables. Parsed here so that a bad
 * value stops the init at its first step, naming the variable.
 */
export const initDownloadEnv = {
  LANTERN_INIT_MODELS: z
    .string()
    .default("")
    .describe("models the one-shot init pulls, comma-separated: a preset, or `owner/repo file.gguf` (optionally `--revision <rev>`); failures are reported and skipped"),
  HF_REPO_ID: optional(z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a Hugging Face repository, owner/name")).describe(
    "the llama.cpp guide's `llm_init` repository: with `HF_FILENAME`, one more file the init pulls (as the entry `HF_REPO_ID HF_FILENAME --revision HF_REVISION` would)",
  ),
  HF_FILENAME: optional(z.string().regex(/^[^/\\]+\.gguf$/i, "a .gguf file name")).describe(
    "the llama.cpp guide's `llm_init` file of `HF_REPO_ID`; it is served under this name without `.gguf`",
  ),
  HF_REVISION: z.preprocess((v) => (v === "" ? undefined : v), z.string().default("main")).describe("the branch, tag or commit of `HF_REPO_ID` the init pulls"),
};
