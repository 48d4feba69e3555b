import { renderTemplate, type Aggregation, type StageAnswer } from "@lantern/shared/contracts";

/** The candidates as the synthesis prompt and templates show them: numbered, each with its model. */
export function formatCandidates(answers: StageAnswer[]): string {
  return answers.map((a, i) => `${i + 1}. (${a.model}) ${a.text.trim()}`).join("\n");
}

/** JSON schema that constrains a vote to exactly one of the choices (a JSON string). */
export function voteSchema(choices: string[]): Record<string, unknown> {
  return { enum: choices };
}

/** The choice an answer constrained by `voteSchema` names, or null. */
export function choiceOf(text: string, choices: string[]): string | null {
  try {
    const value: unknown = JSON.parse(text.trim());
    return typeof value === "string" && choices.includes(value) ? value : null;
  } catch {
    return null;
  }
}

interface VoteResult {
  winner: string;
  votes: Record<string, number>;
}

/**
 * The choice most answers named. A tie goes to the tied choice named by the model listed first
 * in the stage's `models` (answers come in that order). Null when no answer named a choice.
 */
export function countVotes(answers: StageAnswer[], choices: string[]): VoteResult | null {
  const votes = Object.fromEntries(choices.map((c) => [c, 0]));
  for (const a of answers) if (a.choice) votes[a.choice]! += 1;
  const top = Math.max(...Object.values(votes));
  if (top === 0) return null;
  const winner = answers.find((a) => a.choice && votes[a.choice] === top)!.choice!;
  return { winner, votes };
}

/** The one answer of `concat` and `template` aggregations (vote and synthesis are done by the stage runner). */
export function combine(aggregation: Extract<Aggregation, { method: "concat" | "template" }>, input: string, answers: StageAnswer[]): string {
  if (aggregation.method === "concat") return answers.map((a) => a.text.trim()).join(aggregation.separator);
  const values: Record<string, string> = { input, candidates: formatCandidates(answers) };
  answers.forEach((a, i) => {
    values[`answers.${a.model}`] = a.text.trim();
    values[`answers.${i + 1}`] = a.text.trim();
  });
  return renderTemplate(aggregation.template, values);
}
