import { useRef, useState } from "preact/hooks";
import type { Conversation } from "./conversations.js";

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/** When it was last used: the time today, the date before. */
function when(at: number): string {
  if (!Number.isFinite(at)) return "";
  return new Date(at).toDateString() === new Date().toDateString() ? timeOfDay.format(at) : day.format(at);
}

interface Props {
  conversations: Conversation[];
  currentId: string | null;
  onPick(id: string): void;
  onRename(id: string, title: string): void;
  onRemove(id: string): void;
}

/** The sidebar's conversations, newest first; each can be opened, renamed in place, or deleted. */
export function ConversationList({ conversations, currentId, onPick, onRename, onRemove }: Props) {
  const [renaming, setRenamingState] = useState<{ id: string; title: string } | null>(null);
  // Enter then the blur of the removed field must not save twice.
  const open = useRef<{ id: string; title: string } | null>(null);
  const setRenaming = (next: { id: string; title: string } | null) => {
    open.current = next;
    setRenamingState(next);
  };
  const finish = (save: boolean) => {
    const edit = open.current;
    if (!edit) return;
    const title = edit.title.trim();
    const old = conversations.find((c) => c.id === edit.id);
    if (save && old && title && title !== old.title) onRename(edit.id, title);
    setRenaming(null);
  };
  return (
    <ul class="conversations" data-testid="conversation-list">
      {conversations.map((c) => (
        <li key={c.id} class={c.id === currentId ? "active" : ""} data-testid="conversation">
          {renaming?.id === c.id ? (
            <input
              data-testid="rename-input"
              aria-label="Title"
              value={renaming.title}
              ref={(input) => input?.focus()}
              onInput={(e) => setRenaming({ id: c.id, title: e.currentTarget.value })}
              onKeyDown={(e) => {
                if (e.key === "Enter") finish(true);
                if (e.key === "Escape") {
                  // The page's Escape stops a stream; here it only ends the renaming.
                  e.stopPropagation();
                  finish(false);
                }
              }}
              onBlur={() => finish(true)}
            />
          ) : (
            <button class="link" onClick={() => onPick(c.id)}>
              <span class="title">{c.title}</span>
              <span class="when muted">{when(c.updatedAt)}</span>
            </button>
          )}
          <button class="icon" title="Rename" aria-label={`Rename ${c.title}`} onClick={() => setRenaming({ id: c.id, title: c.title })}>
            ✎
          </button>
          <button class="icon" title="Delete" aria-label={`Delete ${c.title}`} onClick={() => onRemove(c.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
