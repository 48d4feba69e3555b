import { useState } from "preact/hooks";
import type { ChatSettings } from "./chat-settings.js";

/** The chat's generation settings and the API key; applied with Save. */
export function SettingsPanel(props: { settings: ChatSettings; apiKey: string; onChange(settings: ChatSettings, apiKey: string): void }) {
  const [draft, setDraft] = useState(props.settings);
  const [key, setKey] = useState(props.apiKey);
  return (
    <form
      class="settings"
      onSubmit={(e) => {
        e.preventDefault();
        props.onChange(draft, key.trim());
      }}
    >
      <label>
        API key
        <input data-testid="api-key" type="password" autocomplete="off" value={key} placeholder="none (open gateway)" onInput={(e) => setKey(e.currentTarget.value)} />
      </label>
      <label>
        Max tokens
        <input type="number" min={1} value={draft.maxTokens} onInput={(e) => setDraft({ ...draft, maxTokens: Number(e.currentTarget.value) || 1 })} />
      </label>
      <label>
        Temperature
        <input type="number" min={0} max={2} step={0.1} value={draft.temperature} onInput={(e) => setDraft({ ...draft, temperature: Number(e.currentTarget.value) })} />
      </label>
      <label>
        Thinking budget (tokens)
        <input data-testid="thinking-budget" type="number" min={0} value={draft.thinkingBudget} placeholder="no limit" onInput={(e) => setDraft({ ...draft, thinkingBudget: e.currentTarget.value })} />
      </label>
      <label class="wide">
        More parameters (JSON)
        <textarea data-testid="extra-params" rows={3} value={draft.extraParams} placeholder='{"seed": 1}' onInput={(e) => setDraft({ ...draft, extraParams: e.currentTarget.value })} />
      </label>
      <button class="primary" data-testid="settings-save" type="submit">
        Save
      </button>
    </form>
  );
}
