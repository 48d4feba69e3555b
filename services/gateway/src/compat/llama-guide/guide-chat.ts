import type { ChatMessage, GuideChatServerFrame } from "@lantern/shared/contracts";
import { ApiError } from "../../errors/api-error.js";
import type { GatewayDeps } from "../../gateway-deps.js";
import type { ChatFrame } from "../../render/ws-chat-output.js";

/** What a bare `{"content"}` frame leaves out: the model, the system message and the temperature. */
export interface GuideTurnDefaults {
  model: string;
  system: ChatMessage[];
  params: { temperature: number };
}

/**
 * The configured defaults of the llama.cpp guide's turn. Its server names one model; with none
 * configured, the live model served longest stands in for it (stable as other models come and go).
 */
export function guideTurnDefaults(deps: GatewayDeps): GuideTurnDefaults {
  const { config } = deps;
  const model = config.GATEWAY_CHAT_DEFAULT_MODEL ?? config.LLM_MODEL ?? longestServed(deps);
  if (model === undefined) throw new ApiError(503, "service_unavailable_error", "No model is served right now.", { code: "no_model" });
  const prompt = config.GATEWAY_CHAT_DEFAULT_SYSTEM_PROMPT;
  return { model, system: prompt ? [{ role: "system", content: prompt }] : [], params: { temperature: config.GATEWAY_CHAT_DEFAULT_TEMPERATURE } };
}

function longestServed(deps: GatewayDeps): string | undefined {
  const served = deps.registry.servedModels();
  return served.reduce<(typeof served)[number] | undefined>((first, m) => (first === undefined || m.firstServedAt < first.firstServedAt ? m : first), undefined)?.name;
}

/**
 * A chat's frame as the guide's client reads it: the answer's text only (its thoughts are not
 * shown), `done` without usage, and an error as its message.
 */
export function guideFrameOf(frame: ChatFrame): GuideChatServerFrame | null {
  switch (frame.type) {
    case "delta":
      return frame.content ? { type: "delta", content: frame.content } : null;
    case "done":
      return { type: "done" };
    case "error":
      return { type: "error", message: frame.error.message };
    default:
      return null;
  }
}
