import { useState } from "preact/hooks";
import type { KeyLimits } from "../api/admin-client.js";

const windowOf = (limits: KeyLimits, kind: "requests" | "tokens") => limits.rateLimits.find((r) => r.kind === kind && r.windowSeconds === 60)?.limit;
const numberOrNull = (text: string) => (text.trim() === "" ? null : Number(text));

/** The limits a key page edits: requests and tokens per minute, concurrency, a monthly budget. Empty: no limit. */
export function LimitsForm(props: { initial: KeyLimits; submitLabel: string; withName?: boolean; onSubmit(limits: KeyLimits, name: string): void }) {
  const { initial } = props;
  const [name, setName] = useState("");
  const [requests, setRequests] = useState(String(windowOf(initial, "requests") ?? ""));
  const [tokens, setTokens] = useState(String(windowOf(initial, "tokens") ?? ""));
  const [concurrent, setConcurrent] = useState(String(initial.maxConcurrent ?? ""));
  const [budget, setBudget] = useState(String(initial.budget?.amountUsd ?? ""));
  const submit = (e: Event) => {
    e.preventDefault();
    // Limits of other windows than a minute are kept as they were.
    const others = initial.rateLimits.filter((r) => r.windowSeconds !== 60);
    const perMinute = (kind: "requests" | "tokens", text: string) => (numberOrNull(text) ? [{ kind, limit: Number(text), windowSeconds: 60 }] : []);
    const amount = numberOrNull(budget);
    props.onSubmit(
      {
        rateLimits: [...others, ...perMinute("requests", requests), ...perMinute("tokens", tokens)],
        maxConcurrent: numberOrNull(concurrent),
        budget: amount ? { amountUsd: amount, period: initial.budget?.period ?? "month" } : null,
      },
      name.trim(),
    );
  };
  return (
    <form class="limits" onSubmit={submit}>
      {props.withName ? (
        <label>
          Name
          <input data-testid="key-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      ) : null}
      <label>
        Requests/min
        <input type="number" min={1} value={requests} placeholder="no limit" onInput={(e) => setRequests(e.currentTarget.value)} />
      </label>
      <label>
        Tokens/min
        <input type="number" min={1} value={tokens} placeholder="no limit" onInput={(e) => setTokens(e.currentTarget.value)} />
      </label>
      <label>
        At once
        <input type="number" min={1} value={concurrent} placeholder="no limit" onInput={(e) => setConcurrent(e.currentTarget.value)} />
      </label>
      <label>
        Budget USD/{initial.budget?.period ?? "month"}
        <input type="number" min={0.01} step={0.01} value={budget} placeholder="no limit" onInput={(e) => setBudget(e.currentTarget.value)} />
      </label>
      <button class="primary" type="submit">
        {props.submitLabel}
      </button>
    </form>
  );
}
