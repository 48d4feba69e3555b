import type { ChatMessage } from "@lantern/shared/contracts";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { adviceFor, type ApiErrorBody } from "../api/api-error.js";
import { apiKey } from "../api/api-key.js";
import { ChatClient } from "../api/chat-client.js";
import { listModels } from "../api/models.js";
import { loadSettings, paramsFrom, saveSettings, type ChatSettings } from "./chat-settings.js";
import { loadConversations, newConversation, saveConversations, titleFrom, type Conversation, type Turn } from "./conversations.js";
import { SettingsPanel } from "./settings-panel.js";
import { TurnView } from "./turn-view.js";

interface Running {
  chatId: string;
  conversationId: string;
}

/** What the model is sent: the turns so far, without failed or empty answers. */
function messagesOf(turns: Turn[]): ChatMessage[] {
  return turns.filter((t) => t.role === "user" || (!t.error && t.content)).map((t) => ({ role: t.role, content: t.content }));
}

export function ChatPage() {
  const client = useMemo(() => new ChatClient(), []);
  const [conversations, setConversations] = useState<Conversation[]>(loadConversations);
  const [currentId, setCurrentId] = useState<string | null>(() => conversations[0]?.id ?? null);
  const [models, setModels] = useState<string[]>([]);
  const [modelsError, setModelsError] = useState<ApiErrorBody | null>(null);
  const [model, setModel] = useState("");
  const [draft, setDraft] = useState("");
  const [running, setRunning] = useState<Running | null>(null);
  const [settings, setSettings] = useState<ChatSettings>(loadSettings);
  const [showSettings, setShowSettings] = useState(false);
  const [showSidebar, setShowSidebar] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const endRef = useRef<HTMLDivElement>(null);
  const current = conversations.find((c) => c.id === currentId) ?? null;

  const refreshModels = async () => {
    const answer = await listModels().catch(() => ({ error: { message: "The gateway cannot be reached.", type: "connection", param: null, code: null } }));
    if ("error" in answer) return setModelsError(answer.error);
    setModelsError(null);
    setModels(answer.models);
    setModel((m) => (m && answer.models.includes(m) ? m : (current?.model && answer.models.includes(current.model) ? current.model : answer.models[0]) ?? ""));
  };
  useEffect(() => {
    void refreshModels();
    return () => client.close();
  }, []);
  // Kept whole while nothing streams; a stream is saved once it ends.
  useEffect(() => {
    if (!running) saveConversations(conversations);
  }, [conversations, running]);
  useEffect(() => endRef.current?.scrollIntoView({ block: "end" }), [current?.turns.length, current?.turns.at(-1)?.content.length]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") stop();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const update = (id: string, change: (c: Conversation) => Conversation) => setConversations((list) => list.map((c) => (c.id === id ? change(c) : c)));
  const updateLastTurn = (id: string, change: (t: Turn) => Turn) =>
    update(id, (c) => ({ ...c, updatedAt: Date.now(), turns: [...c.turns.slice(0, -1), change(c.turns.at(-1)!)] }));

  /** Answers the conversation's last user turn into a fresh assistant turn. */
  const answer = (conversation: Conversation) => {
    const built = paramsFrom(settings);
    if ("problem" in built) return setProblem(built.problem);
    setProblem(null);
    const chatId = crypto.randomUUID();
    const messages = messagesOf(conversation.turns);
    const id = conversation.id;
    update(id, (c) => ({ ...c, model, turns: [...c.turns, { role: "assistant", content: "", reasoning: "" }] }));
    setRunning({ chatId, conversationId: id });
    const end = () => setRunning((r) => (r?.chatId === chatId ? null : r));
    client.chat(chatId, model, messages, built.params, {
      onDelta: (delta) =>
        updateLastTurn(id, (t) => ({ ...t, content: t.content + (delta.content ?? ""), reasoning: (t.reasoning ?? "") + (delta.reasoning ?? "") })),
      onDone: (done) => {
        updateLastTurn(id, (t) => ({ ...t, finishReason: done.finishReason, completionTokens: done.usage?.completion_tokens }));
        end();
      },
      onError: (error) => {
        updateLastTurn(id, (t) => ({ ...t, error }));
        end();
      },
    });
  };

  const send = () => {
    const text = draft.trim();
    if (!text || running || !model) return;
    let conversation = current ?? newConversation(model);
    conversation = {
      ...conversation,
      model,
      title: conversation.turns.length === 0 ? titleFrom(text) : conversation.title,
      turns: [...conversation.turns, { role: "user", content: text }],
      updatedAt: Date.now(),
    };
    const next = conversation;
    setConversations((list) => [next, ...list.filter((c) => c.id !== next.id)]);
    setCurrentId(next.id);
    setDraft("");
    answer(next);
  };

  function stop() {
    if (running) client.stop(running.chatId);
  }

  const regenerate = () => {
    if (!current || running) return;
    const turns = current.turns.at(-1)?.role === "assistant" ? current.turns.slice(0, -1) : current.turns;
    const trimmed = { ...current, turns };
    update(current.id, () => trimmed);
    answer(trimmed);
  };

  const startNew = () => {
    setCurrentId(null);
    setDraft("");
    setShowSidebar(false);
  };
  const remove = (id: string) => {
    setConversations((list) => list.filter((c) => c.id !== id));
    if (currentId === id) setCurrentId(null);
  };
  const changeSettings = (next: ChatSettings, key: string) => {
    setSettings(next);
    saveSettings(next);
    if (key !== apiKey.get()) {
      apiKey.set(key);
      client.close();
      void refreshModels();
    }
  };

  const streamingHere = running !== null && running.conversationId === current?.id;
  const lastTurn = current?.turns.at(-1);
  return (
    <div class={`chat ${showSidebar ? "sidebar-open" : ""}`}>
      <aside class="sidebar">
        <button class="primary" data-testid="new-chat" onClick={startNew}>
          New chat
        </button>
        <ul class="conversations" data-testid="conversation-list">
          {conversations.map((c) => (
            <li key={c.id} class={c.id === currentId ? "active" : ""}>
              <button
                class="link"
                onClick={() => {
                  setCurrentId(c.id);
                  setShowSidebar(false);
                }}
              >
                {c.title}
              </button>
              <button class="icon" title="Delete" aria-label={`Delete ${c.title}`} onClick={() => remove(c.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section class="conversation">
        <header class="chat-header">
          <button class="icon sidebar-toggle" aria-label="Conversations" onClick={() => setShowSidebar(!showSidebar)}>
            ☰
          </button>
          <select data-testid="model-picker" value={model} onChange={(e) => setModel(e.currentTarget.value)} aria-label="Model">
            {models.length === 0 ? <option value="">No models</option> : null}
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <button class="icon" title="Reload the model list" onClick={() => void refreshModels()}>
            ⟳
          </button>
          <button data-testid="settings-toggle" onClick={() => setShowSettings(!showSettings)}>
            Settings
          </button>
        </header>
        {showSettings ? <SettingsPanel settings={settings} apiKey={apiKey.get()} onChange={changeSettings} /> : null}
        {modelsError ? (
          <div class="error-box" role="alert" data-testid="models-error">
            <strong>{modelsError.message}</strong>
            <div>{adviceFor(modelsError)}</div>
          </div>
        ) : null}
        <div class="turns" data-testid="turns">
          {current?.turns.map((turn, i) => <TurnView key={i} turn={turn} streaming={streamingHere && i === current.turns.length - 1} />)}
          {!current || current.turns.length === 0 ? <p class="empty">Ask something. Enter sends, Shift+Enter starts a new line, Esc stops.</p> : null}
          <div ref={endRef} />
        </div>
        {problem ? <div class="error-box" role="alert">{problem}</div> : null}
        <footer class="composer">
          <textarea
            data-testid="composer"
            rows={2}
            placeholder="Message"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
          <div class="actions">
            {running ? (
              <button class="danger" data-testid="stop" onClick={stop}>
                Stop
              </button>
            ) : (
              <button class="primary" data-testid="send" onClick={send} disabled={!draft.trim() || !model}>
                Send
              </button>
            )}
            {!running && lastTurn?.role === "assistant" ? (
              <button data-testid="regenerate" onClick={regenerate}>
                Regenerate
              </button>
            ) : null}
          </div>
        </footer>
      </section>
    </div>
  );
}
