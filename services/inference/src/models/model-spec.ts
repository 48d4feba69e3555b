import { ModelSpec, type GpuLayers } from "@lantern/shared/contracts";

/** Options an `INFERENCE_MODELS` entry may carry after `?`, and the spec field each one sets. */
const ENTRY_OPTIONS = {
  slots: "slots",
  context: "contextSize",
  contexts: "contexts",
  gpuLayers: "gpuLayers",
  idleUnloadMs: "idleUnloadMs",
  chatWrapper: "chatWrapper",
  systemPrompt: "systemPrompt",
} as const;
type EntryOption = keyof typeof ENTRY_OPTIONS;

type ParsedEntry = { ok: true; spec: ModelSpec } | { ok: false; message: string };

const WHOLE = /^\d+$/;

function optionValue(option: EntryOption, text: string): number | string | GpuLayers | undefined {
  if (option === "chatWrapper") return text || undefined;
  if (option === "systemPrompt") return text;
  if (option === "gpuLayers" && text === "auto") return "auto";
  return WHOLE.test(text) ? Number(text) : undefined;
}

/**
 * One `INFERENCE_MODELS` entry: `file.gguf`, `name=file.gguf`, either followed by options such as
 * `?slots=4&context=4096&gpuLayers=auto&idleUnloadMs=600000`. Without a name, the model is named
 * after its file. Checked with the same schema as a load command, so both refuse the same things.
 */
export function parseModelEntry(entry: string): ParsedEntry {
  const fail = (why: string): ParsedEntry => ({ ok: false, message: `model entry ${JSON.stringify(entry)}: ${why}` });
  const queryAt = entry.indexOf("?");
  const head = queryAt < 0 ? entry : entry.slice(0, queryAt);
  const query = queryAt < 0 ? "" : entry.slice(queryAt + 1);
  const equalsAt = head.indexOf("=");
  const file = (equalsAt < 0 ? head : head.slice(equalsAt + 1)).trim();
  const name = (equalsAt < 0 ? file.replace(/^.*\//, "").replace(/\.gguf$/i, "") : head.slice(0, equalsAt)).trim();
  const raw: Record<string, unknown> = { name, file };
  for (const [key, value] of new URLSearchParams(query)) {
    if (!Object.hasOwn(ENTRY_OPTIONS, key)) {
      return fail(`unknown option '${key}' (known: ${Object.keys(ENTRY_OPTIONS).join(", ")})`);
    }
    const option = key as EntryOption;
    const parsed = optionValue(option, value.trim());
    if (parsed === undefined) {
      const expected = option === "chatWrapper" ? "a template name" : `a whole number${option === "gpuLayers" ? " or auto" : ""}`;
      return fail(`option '${key}' must be ${expected}, got ${JSON.stringify(value)}`);
    }
    raw[ENTRY_OPTIONS[option]] = parsed;
  }
  const checked = ModelSpec.safeParse(raw);
  if (!checked.success) {
    // Issues name the entry's own option (`context`), not the spec field it sets (`contextSize`).
    const optionOf = (field: PropertyKey) => Object.entries(ENTRY_OPTIONS).find(([, f]) => f === field)?.[0] ?? String(field);
    return fail(checked.error.issues.map((issue) => `${issue.path.length ? optionOf(issue.path[0]!) : "entry"}: ${issue.message}`).join("; "));
  }
  return { ok: true, spec: checked.data };
}
