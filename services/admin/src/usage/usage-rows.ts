import type { UsageEvent } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { usageEvents } from "../db/schema.js";

type UsageRow = typeof usageEvents.$inferInsert;

export function toUsageRow(event: UsageEvent): UsageRow {
  const { v: _v, type: _type, at, ...fields } = event;
  return { ...fields, at: new Date(at) };
}

/**
 * Inserts events in one statement; an id already stored is skipped, so a redelivered or
 * republished event is never counted twice. Resolves, with the number of new rows, once the insert has committed.
 */
export async function insertUsageEvents(db: AdminDb, events: UsageEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const inserted = await db
    .insert(usageEvents)
    .values(events.map(toUsageRow))
    .onConflictDoNothing({ target: usageEvents.id })
    .returning({ id: usageEvents.id });
  return inserted.length;
}
