import type { WsChatParams } from "@lantern/shared/contracts";

export interface ChatSettings {
  maxTokens: number;
  temperature: number;
  /** Thought tokens before the answer must begin; empty: no limit. */
  thinkingBudget: string;
  /** More chat completion parameters, as JSON (e.g. a response_format). */
  extraParams: string;
}

const STORAGE = "lantern.chatSettings";
const DEFAULTS: ChatSettings = { maxTokens: 256, temperature: 0.8, thinkingBudget: "", extraParams: "" };

export function loadSettings(): ChatSettings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(STORAGE) ?? "{}") as Partial<ChatSettings>) };
  } catch {
    return DEFAULTS;
  }
}

export function saveSettings(settings: ChatSettings): void {
  localStorage.setItem(STORAGE, JSON.stringify(settings));
}

/** The chat's params, or why the extra JSON cannot be used. */
export function paramsFrom(settings: ChatSettings): { params: WsChatParams } | { problem: string } {
  let extra: Record<string, unknown> = {};
  if (settings.extraParams.trim()) {
    try {
      extra = JSON.parse(settings.extraParams) as Record<string, unknown>;
    } catch {
      return { problem: "The extra parameters are not valid JSON." };
    }
    if (typeof extra !== "object" || extra === null || Array.isArray(extra)) return { problem: "The extra parameters must be one JSON object." };
  }
  const budget = settings.thinkingBudget.trim() === "" ? undefined : Number(settings.thinkingBudget);
  return {
    params: {
      max_tokens: settings.maxTokens,
      temperature: settings.temperature,
      ...(budget !== undefined && Number.isInteger(budget) && budget >= 0 ? { reasoning_budget: budget } : {}),
      ...extra,
    } as WsChatParams,
  };
}
