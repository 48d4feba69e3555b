import "./answer-figures.css";
import type { AnswerFigures } from "./answer-figures.js";

const tokens = (n: number) => `${n.toLocaleString("en-US")} token${n === 1 ? "" : "s"}`;

/** The line under an answer: tokens in and out, time to first token, and the worker that wrote it. */
export function AnswerFiguresView({ figures, completionTokens }: { figures: AnswerFigures | undefined; completionTokens: number | undefined }) {
  // A turn read back from the server has only its completion tokens.
  if (!figures) return completionTokens === undefined ? null : <div class="answer-figures" data-testid="answer-figures"><span data-testid="figure-tokens">{tokens(completionTokens)}</span></div>;
  const cached = figures.cachedTokens > 0 ? ` (${figures.cachedTokens.toLocaleString("en-US")} cached)` : "";
  return (
    <div class="answer-figures" data-testid="answer-figures">
      <span data-testid="figure-tokens" title="Prompt tokens in, completion tokens out">
        {tokens(figures.promptTokens)} in{cached} · {tokens(figures.completionTokens)} out
      </span>
      {figures.firstTokenMs !== null ? (
        <span data-testid="figure-ttft" title="From sending to the first token, as this page saw it">
          first token {figures.firstTokenMs.toLocaleString("en-US")} ms
        </span>
      ) : null}
      <span data-testid="figure-worker" title="The worker that generated the answer">
        {figures.workerIds.length ? `worker ${figures.workerIds.join(", ")}` : "no worker (cache or upstream)"}
      </span>
    </div>
  );
}
