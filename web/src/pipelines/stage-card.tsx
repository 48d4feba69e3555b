import type { StageAnswer, StageRunStatus, StageRunView } from "@lantern/shared/contracts";
import type { LiveText } from "./live-run.js";

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function AnswerRow({ answer }: { answer: StageAnswer }) {
  return (
    <li class="answer" data-testid="stage-answer">
      <div class="answer-head">
        <strong>{answer.model}</strong>
        {answer.role === "synthesis" ? <span class="tag">synthesis</span> : null}
        {answer.choice !== undefined ? <span class="tag vote">{answer.choice ?? "no choice"}</span> : null}
        <span class="muted small">
          {answer.promptTokens}+{answer.completionTokens} tokens · {seconds(answer.ms)} · {answer.workerId} · {answer.finishReason}
        </span>
      </div>
      <div class="answer-text">{answer.text}</div>
    </li>
  );
}

function LiveRow({ live }: { live: LiveText }) {
  return (
    <li class="answer live" data-testid="live-answer">
      <div class="answer-head">
        <strong>{live.model}</strong>
        {live.role === "synthesis" ? <span class="tag">synthesis</span> : null}
        <span class="muted small">writing…</span>
      </div>
      <div class="answer-text">{live.text}</div>
    </li>
  );
}

function Votes({ votes }: { votes: Record<string, number> }) {
  const total = Object.values(votes).reduce((n, v) => n + v, 0) || 1;
  return (
    <div class="votes" data-testid="votes">
      {Object.entries(votes).map(([choice, n]) => (
        <div key={choice} class="vote-row">
          <span>{choice}</span>
          <span class="meter">
            <span style={{ width: `${(100 * n) / total}%` }} />
          </span>
          <span>{n}</span>
        </div>
      ))}
    </div>
  );
}

interface StageCardProps {
  stage: StageRunView;
  status: StageRunStatus;
  /** Texts streaming in while the stage runs. */
  live?: Record<string, LiveText> | undefined;
  /** Offered on a finished run: rerun from this stage. */
  onRerun?: (() => void) | undefined;
}

/** One stage of a run: its prompt, every model's answer (streaming while it runs), the votes and what it passes on. */
export function StageCard({ stage, status, live, onRerun }: StageCardProps) {
  const liveTexts = Object.values(live ?? {});
  const showLive = status === "running" || (stage.answers.length === 0 && liveTexts.length > 0);
  const tokens = stage.answers.reduce((n, a) => n + a.completionTokens, 0);
  return (
    <article class={`stage-card ${status}`} data-testid="stage-card" data-stage={stage.name}>
      <header>
        <strong>
          {stage.index + 1}. {stage.name}
        </strong>
        <span class="tag">{stage.kind}</span>
        {stage.aggregation ? <span class="tag">{stage.aggregation}</span> : null}
        <span class={`tag ${status}`} data-testid="stage-status">
          {status}
        </span>
        {stage.reusedFromRunId ? <span class="muted small">taken over from {stage.reusedFromRunId}</span> : null}
        {stage.answers.length > 0 && !stage.reusedFromRunId ? <span class="muted small">{tokens} tokens</span> : null}
        {onRerun ? (
          <button class="small-button" data-testid="rerun-from" onClick={onRerun}>
            Rerun from here
          </button>
        ) : null}
      </header>
      {stage.prompt ? (
        <details class="prompt">
          <summary>Prompt</summary>
          <pre>{stage.prompt}</pre>
        </details>
      ) : null}
      <ul class="answers">{showLive ? liveTexts.map((t) => <LiveRow key={`${t.role}:${t.model}`} live={t} />) : stage.answers.map((a) => <AnswerRow key={`${a.role}:${a.model}`} answer={a} />)}</ul>
      {stage.votes ? <Votes votes={stage.votes} /> : null}
      {stage.output !== null ? (
        <div class="stage-output">
          <span class="muted small">passes on</span>
          <div data-testid="stage-output">{stage.output}</div>
        </div>
      ) : null}
      {stage.error ? <div class="bad small">{stage.error}</div> : null}
    </article>
  );
}
