import { adviceFor } from "../api/api-error.js";
import { renderMarkdown } from "../markdown/render-markdown.js";
import { AnswerFiguresView } from "./answer-figures-view.js";
import type { Turn } from "./conversations.js";

/** One turn: the person's text as typed, or the model's answer as markdown with its thought apart. */
export function TurnView({ turn, streaming }: { turn: Turn; streaming: boolean }) {
  if (turn.role === "user") {
    return (
      <div class="turn user" data-testid="turn-user">
        <div class="bubble plain">{turn.content}</div>
      </div>
    );
  }
  const thinking = streaming && turn.content === "" && Boolean(turn.reasoning);
  return (
    <div class="turn assistant" data-testid="turn-assistant">
      {turn.reasoning ? (
        <details class="thinking" open={thinking} data-testid="thinking">
          <summary>{thinking ? "Thinking…" : "Thought"}</summary>
          <div class="reasoning plain" data-testid="reasoning">
            {turn.reasoning}
          </div>
        </details>
      ) : null}
      {/* Safe: markdown-it escapes all HTML in model output (html: false). */}
      <div class="bubble markdown" data-testid="answer" dangerouslySetInnerHTML={{ __html: renderMarkdown(turn.content) }} />
      {streaming && !turn.content && !turn.reasoning ? <div class="pending">…</div> : null}
      {turn.error ? (
        <div class="error-box" data-testid="error" role="alert">
          <strong>{turn.error.message}</strong>
          <div>{adviceFor(turn.error)}</div>
        </div>
      ) : null}
      {turn.finishReason === "cancelled" ? <div class="note">Stopped.</div> : null}
      {turn.finishReason === "length" ? <div class="note">Cut off at the token limit.</div> : null}
      {streaming ? null : <AnswerFiguresView figures={turn.figures} completionTokens={turn.completionTokens} />}
    </div>
  );
}
