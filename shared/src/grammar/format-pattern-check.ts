import { GbnfRules } from "./gbnf-rules.js";
import { GbnfSampler } from "./gbnf-sample.js";
import { formatString } from "./json-primitives.js";

const SAMPLES = 200;

/** A small seeded generator, so a schema is judged the same way on every run and every node. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Whether the values the grammar spells for `format` also match `pattern` (clients such as zod
 * send both, e.g. `format: "email"` with their own email regex). The format grammars are small
 * and regular, so a fixed sample of them shows whether a pattern cuts into them.
 */
export function formatMeetsPattern(format: string, pattern: string): boolean {
  // The same few pairs (zod's email, uuid and datetime patterns) come with most requests.
  const key = `${format}\u0000${pattern}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = sampledFormatMeetsPattern(format, pattern);
    if (verdicts.size >= VERDICTS_KEPT) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(key, verdict);
  }
  return verdict;
}

const VERDICTS_KEPT = 256;
const verdicts = new Map<string, boolean>();

function sampledFormatMeetsPattern(format: string, pattern: string): boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "u");
  } catch {
    return false;
  }
  const rules = new GbnfRules();
  const root = rules.reserve("root");
  rules.define(root, formatString(rules, format, ""));
  const sampler = new GbnfSampler(rules.toText(), seededRandom(0x5eed));
  for (let i = 0; i < SAMPLES; i++) {
    const value = JSON.parse(sampler.sample()) as string;
    if (!regex.test(value)) return false;
  }
  return true;
}
