import { and, eq, gt, lte, sql, type SQL } from "drizzle-orm";
import type { StoredResponse } from "@lantern/shared/contracts";
import type { OrchestratorDb } from "../db/database.js";
import { storedResponses } from "../db/schema.js";

/** Without keys (owner null) every response is anyone's, as with conversations. */
const ownedBy = (owner: string | null): SQL | undefined => (owner === null ? undefined : eq(storedResponses.owner, owner));
const live = () => gt(storedResponses.expiresAt, sql`now()`);

/** Stored responses of `/v1/responses`, each kept for `retentionMs` after it was made. */
export class ResponseStore {
  constructor(
    private readonly db: OrchestratorDb,
    private readonly retentionMs: number,
  ) {}

  async put(id: string, owner: string | null, stored: StoredResponse): Promise<void> {
    const expiresAt = new Date(Date.now() + this.retentionMs);
    await this.db
      .insert(storedResponses)
      .values({ id, owner, ...stored, expiresAt })
      .onConflictDoUpdate({ target: storedResponses.id, set: { ...stored, expiresAt } });
  }

  /** Undefined when it never existed, expired, or belongs to another key. */
  async get(id: string, owner: string | null): Promise<StoredResponse | undefined> {
    const [row] = await this.db
      .select({ response: storedResponses.response, inputItems: storedResponses.inputItems, context: storedResponses.context })
      .from(storedResponses)
      .where(and(eq(storedResponses.id, id), ownedBy(owner), live()));
    return row;
  }

  /** True when it existed (and was the owner's). */
  async delete(id: string, owner: string | null): Promise<boolean> {
    const rows = await this.db
      .delete(storedResponses)
      .where(and(eq(storedResponses.id, id), ownedBy(owner), live()))
      .returning({ id: storedResponses.id });
    return rows.length > 0;
  }

  /** Removes responses past their retention; returns how many. */
  async sweep(): Promise<number> {
    const rows = await this.db.delete(storedResponses).where(lte(storedResponses.expiresAt, sql`now()`)).returning({ id: storedResponses.id });
    return rows.length;
  }
}
