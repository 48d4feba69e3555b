import type { UsageEvent } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { usageEvents } from "../db/schema.js";

type UsageRow = typeof usageEvents.$inferInsert;

function toUsageRow(event: UsageEvent): UsageRow {
  const { v: _v, type: _type, at, cachedTokens, ...fields } = event;
  return { ...fields, cachedTokens: cachedTokens ?? 0, at: new Date(at) };
}

/** Rows per statement: well within Postgres' 65,535 bind parameters at one per column. */
const ROWS_PER_INSERT = 1_000;

/**
 * Inserts events, up to `ROWS_PER_INSERT` per statement; an id already stored is skipped, so a
 * redelivered or republished event is never counted twice (and a retry after a failure part way
 * stores only the rest). Resolves, with the number of new rows, once every insert has committed.
 */
export async function insertUsageEvents(db: AdminDb, events: UsageEvent[]): Promise<number> {
  let stored = 0;
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    const inserted = await db
      .insert(usageEvents)
      .values(events.slice(i, i + ROWS_PER_INSERT).map(toUsageRow))
      .onConflictDoNothing({ target: usageEvents.id })
      .returning({ id: usageEvents.id });
    stored += inserted.length;
  }
  return stored;
}
