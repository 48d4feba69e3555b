import type { UsageAggregate } from "@lantern/shared/contracts";
import { formatCount, formatMs, formatPercent, formatTokens, formatUsd } from "./usage-format.js";

/** Requests, errors, tokens and cost per group, busiest first. */
export function GroupTable({ groups, nameOf, heading }: { groups: UsageAggregate[]; nameOf: (group: string | null) => string; heading: string }) {
  return (
    <table class="usage-table" data-testid="usage-groups">
      <thead>
        <tr>
          <th>{heading}</th>
          <th class="num">Requests</th>
          <th class="num">Errors</th>
          <th class="num">Prompt tokens</th>
          <th class="num">Cached</th>
          <th class="num">Completion tokens</th>
          <th class="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={String(g.group)} data-testid="usage-group" data-group={g.group ?? ""}>
            <td class="name">{nameOf(g.group)}</td>
            <td class="num" data-testid="requests">{formatCount(g.requests)}</td>
            <td class={`num ${g.errors ? "bad" : ""}`} data-testid="errors">
              {formatCount(g.errors)}
              {g.errors ? <span class="share"> ({formatPercent(g.errors, g.requests)})</span> : null}
            </td>
            <td class="num" data-testid="prompt-tokens">{formatTokens(g.promptTokens)}</td>
            <td class="num" data-testid="cached-tokens">{formatTokens(g.cachedTokens)}</td>
            <td class="num" data-testid="completion-tokens">{formatTokens(g.completionTokens)}</td>
            <td class="num" data-testid="cost">{formatUsd(g.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Time to first token and whole-request latency, median and 95th percentile, per model that answered. */
export function LatencyTable({ models }: { models: UsageAggregate[] }) {
  return (
    <table class="usage-table" data-testid="usage-latency">
      <thead>
        <tr>
          <th>Model</th>
          <th class="num">Requests</th>
          <th class="num">First token p50</th>
          <th class="num">First token p95</th>
          <th class="num">Latency p50</th>
          <th class="num">Latency p95</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={String(m.group)} data-testid="latency-row" data-group={m.group ?? ""}>
            <td class="name">{m.group || "(none)"}</td>
            <td class="num" data-testid="requests">{formatCount(m.requests)}</td>
            <td class="num" data-testid="ttft-p50">{formatMs(m.ttftP50Ms)}</td>
            <td class="num" data-testid="ttft-p95">{formatMs(m.ttftP95Ms)}</td>
            <td class="num" data-testid="latency-p50">{formatMs(m.latencyP50Ms)}</td>
            <td class="num" data-testid="latency-p95">{formatMs(m.latencyP95Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The range's totals, one card each. */
export function SummaryCards({ groups }: { groups: UsageAggregate[] }) {
  const sum = (pick: (g: UsageAggregate) => number) => groups.reduce((total, g) => total + pick(g), 0);
  const requests = sum((g) => g.requests);
  const errors = sum((g) => g.errors);
  const prompt = sum((g) => g.promptTokens);
  const cached = sum((g) => g.cachedTokens);
  const cards = [
    { id: "requests", label: "Requests", value: formatCount(requests), note: "" },
    { id: "errors", label: "Errors", value: formatCount(errors), note: `${formatPercent(errors, requests)} of requests` },
    { id: "prompt-tokens", label: "Prompt tokens", value: formatTokens(prompt), note: `${formatTokens(cached)} from prompt caches` },
    { id: "completion-tokens", label: "Completion tokens", value: formatTokens(sum((g) => g.completionTokens)), note: "" },
    { id: "cost", label: "Cost", value: formatUsd(sum((g) => g.costUsd)), note: "at the prices set in admin" },
  ];
  return (
    <div class="usage-cards">
      {cards.map((c) => (
        <div key={c.id} class="usage-card" data-testid={`total-${c.id}`}>
          <div class="label">{c.label}</div>
          <div class="value" data-testid="value">{c.value}</div>
          {c.note ? <div class="note">{c.note}</div> : null}
        </div>
      ))}
    </div>
  );
}
