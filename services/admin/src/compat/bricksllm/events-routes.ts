import type { Hono } from "hono";
import { BricksEventsQuery, type BricksEvent } from "@lantern/shared/contracts";
import type { AdminDb } from "../../db/database.js";
import type { KeyStore } from "../../keys/key-store.js";
import { listEvents } from "../../usage/event-queries.js";
import type { UsageEventRow } from "../../usage/event-queries.js";
import { isBricksEventList } from "./dispatch.js";
import { renderProblem, zodProblem } from "./problem.js";

const EVENTS = "/api/events";
/** Per key, as BricksLLM answers one page; Lantern's own `/api/events` pages through more. */
const EVENTS_PER_KEY = 1000;

function bricksEventOf(row: UsageEventRow, tags: string[]): BricksEvent {
  return {
    id: row.id,
    created_at: Math.floor(row.at.getTime() / 1000),
    tags,
    key_id: row.keyId ?? "",
    cost_in_usd: row.costUsd,
    provider: row.provider,
    model: row.model,
    status: row.status,
    prompt_token_count: row.promptTokens,
    completion_token_count: row.completionTokens,
    latency_in_ms: Math.round(row.latencyMs),
    path: row.path,
    method: row.method,
    // Lantern keeps no request or response bodies, custom ids or user ids.
    custom_id: "",
    request: null,
    response: null,
    userId: "",
    action: "",
    policyId: "",
    routeId: "",
    correlationId: row.requestId,
    metadata: null,
  };
}

/** BricksLLM's `GET /api/events?keyIds=&start=&end=` (unix seconds) over the stored usage events. */
export function bricksEventRoutes(app: Hono, deps: { db: AdminDb; keys: KeyStore }): void {
  app.get(EVENTS, async (c, next) => {
    const query = c.req.queries();
    if (!isBricksEventList(query)) return next();
    try {
      const parsed = BricksEventsQuery.safeParse({ keyIds: query.keyIds ?? [], start: query.start?.[0], end: query.end?.[0] });
      if (!parsed.success) throw zodProblem(parsed.error, "events query validation failed");
      const { keyIds, start, end } = parsed.data;
      const events: BricksEvent[] = [];
      for (const keyId of new Set(keyIds)) {
        const tags = (await deps.keys.find(keyId))?.tags ?? [];
        const page = await listEvents(deps.db, { keyId, start: new Date(start * 1000), end: new Date(end * 1000), limit: EVENTS_PER_KEY });
        events.push(...page.events.map((row) => bricksEventOf(row, tags)));
      }
      return c.json(events.sort((a, b) => b.created_at - a.created_at), 200);
    } catch (err) {
      return renderProblem(c, err, EVENTS);
    }
  });
}
