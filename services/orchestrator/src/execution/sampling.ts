import { randomInt } from "node:crypto";
import type { GenerationParams, Sampling } from "@lantern/shared/contracts";

/** The completion tokens of a model call that sets no `max_tokens`. */
export const DEFAULT_MAX_TOKENS = 256;

/** A call's generation parameters as a job's sampling, with the defaults filled in (a random seed when none is set). */
export function samplingOf(params: GenerationParams): Sampling {
  return {
    maxTokens: params.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: params.temperature ?? 0.7,
    topP: params.top_p ?? 1,
    seed: params.seed ?? randomInt(0, 2 ** 31),
    presencePenalty: params.presence_penalty ?? 0,
    frequencyPenalty: params.frequency_penalty ?? 0,
    stop: params.stop ?? [],
  };
}
