import type { ModelEvent, TaskEvent, UsageEvent } from "@lantern/shared/contracts";
import type { HubEvent, HubFollow } from "./sop-events.js";

/** Lines kept: the recent past, bounded whatever the traffic. */
const LOG_LINES_KEPT = 500;

export interface SopLogLine {
  timestamp: string;
  level: "INFO" | "WARNING" | "ERROR";
  source: string;
  message: string;
}

/** Keys (`lk-...`, `sk-...`) and bearer tokens never leave in a log line. */
export const redactSecrets = (text: string) => text.replace(/\b(lk|sk|sk-ant|sk-proj)-[A-Za-z0-9_-]{8,}/g, "[redacted]").replace(/(Bearer\s+)\S+/gi, "$1[redacted]");

function lineOf(event: HubEvent): SopLogLine | null {
  const timestamp = new Date(event.at).toISOString();
  if (event.kind.startsWith("task.")) {
    const t = event.data as TaskEvent;
    const failed = t.type === "failed";
    return { timestamp, level: failed ? "ERROR" : "INFO", source: "orchestrator", message: `task ${t.taskId} ${t.type}${t.error ? `: ${t.error}` : ""}` };
  }
  if (event.kind.startsWith("model.")) {
    const m = event.data as ModelEvent;
    const why = m.type === "model.load_failed" ? `: ${m.reason}` : m.type === "model.unloaded" ? ` (${m.reason})` : "";
    return { timestamp, level: m.type === "model.load_failed" ? "ERROR" : "INFO", source: `worker ${m.workerId}`, message: `${m.type} ${m.model}${why}` };
  }
  if (event.kind === "usage") {
    const u = event.data as UsageEvent;
    const level = u.status >= 500 ? "ERROR" : u.status >= 400 ? "WARNING" : "INFO";
    return { timestamp, level, source: "gateway", message: `${u.path} ${u.model} ${u.status} (${u.promptTokens}+${u.completionTokens} tokens, request ${u.requestId})` };
  }
  return null;
}

/**
 * The fleet's recent log lines for `/api/v1/monitor/logs`: what its services announce on NATS (task
 * transitions, model loads and unloads, every request's outcome), as lines, kept in a bounded ring
 * from the first SOP monitor call on. Services' own stdout logs are not shipped anywhere.
 */
export class SopFleetLog {
  private readonly lines: SopLogLine[] = [];
  /** Today's counts (UTC day), for `/monitor/stats`. */
  private day = { date: "", tasks_completed: 0, tasks_failed: 0, requests: 0, request_errors: 0, prompt_tokens: 0, completion_tokens: 0 };
  private following: Promise<unknown> | undefined;

  constructor(private readonly hub: HubFollow) {}

  /** Starts following once; the hub hands over the events it still holds from before. */
  ensureFollowing(): Promise<unknown> {
    this.following ??= this.hub.follow({ kinds: ["task.*", "model.*", "usage"], viewer: null, deliver: (e) => this.add(e) });
    return this.following;
  }

  private add(event: HubEvent): void {
    this.count(event);
    const line = lineOf(event);
    if (!line) return;
    this.lines.push({ ...line, message: redactSecrets(line.message) });
    if (this.lines.length > LOG_LINES_KEPT) this.lines.shift();
  }

  private count(event: HubEvent): void {
    const date = new Date(event.at).toISOString().slice(0, 10);
    if (date < this.day.date) return;
    if (date > this.day.date) this.day = { date, tasks_completed: 0, tasks_failed: 0, requests: 0, request_errors: 0, prompt_tokens: 0, completion_tokens: 0 };
    if (event.kind === "task.done") this.day.tasks_completed += 1;
    if (event.kind === "task.failed") this.day.tasks_failed += 1;
    if (event.kind === "usage") {
      const u = event.data as UsageEvent;
      this.day.requests += 1;
      if (u.status >= 400) this.day.request_errors += 1;
      this.day.prompt_tokens += u.promptTokens;
      this.day.completion_tokens += u.completionTokens;
    }
  }

  /** Today's counts as far as this gateway has seen them. */
  today() {
    const date = new Date().toISOString().slice(0, 10);
    return this.day.date === date ? { ...this.day } : { date, tasks_completed: 0, tasks_failed: 0, requests: 0, request_errors: 0, prompt_tokens: 0, completion_tokens: 0 };
  }

  get size(): number {
    return this.lines.length;
  }

  recent(limit: number): SopLogLine[] {
    return this.lines.slice(-limit);
  }
}
