import { and, count, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { ConversationMessageInput, ConversationMessageView, ConversationView } from "@lantern/shared/contracts";
import { newRequestId } from "@lantern/shared/contracts";
import type { OrchestratorDb } from "../db/database.js";
import { conversationMessages, conversations } from "../db/schema.js";

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof conversationMessages.$inferSelect;

type ConversationFields = Partial<Pick<ConversationRow, "title" | "model" | "systemPrompt" | "metadata">>;

const ownedBy = (owner: string | null): SQL | undefined => (owner === null ? undefined : eq(conversations.owner, owner));

/** Conversations and their messages in the orchestrator's tables. */
export class ConversationStore {
  constructor(private readonly db: OrchestratorDb) {}

  async create(owner: string | null, fields: ConversationFields): Promise<ConversationView> {
    const [row] = await this.db
      .insert(conversations)
      .values({ id: newRequestId("conv"), owner, ...fields })
      .returning();
    return conversationView(row!, 0);
  }

  async get(id: string, owner: string | null): Promise<ConversationView | undefined> {
    const [row] = await this.db.select().from(conversations).where(and(eq(conversations.id, id), ownedBy(owner)));
    return row && conversationView(row, await this.countMessages(id));
  }

  /** Most recently used first. */
  async list(owner: string | null, limit: number): Promise<ConversationView[]> {
    const rows = await this.db.select().from(conversations).where(ownedBy(owner)).orderBy(desc(conversations.updatedAt), desc(conversations.id)).limit(limit);
    if (rows.length === 0) return [];
    const counts = await this.db
      .select({ id: conversationMessages.conversationId, n: count() })
      .from(conversationMessages)
      .where(inArray(conversationMessages.conversationId, rows.map((r) => r.id)))
      .groupBy(conversationMessages.conversationId);
    const byId = new Map(counts.map((c) => [c.id, Number(c.n)]));
    return rows.map((row) => conversationView(row, byId.get(row.id) ?? 0));
  }

  async update(id: string, owner: string | null, fields: ConversationFields): Promise<ConversationView | undefined> {
    const [row] = await this.db
      .update(conversations)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(and(eq(conversations.id, id), ownedBy(owner)))
      .returning();
    return row && conversationView(row, await this.countMessages(id));
  }

  /** True when it existed; its messages go with it. */
  async delete(id: string, owner: string | null): Promise<boolean> {
    const rows = await this.db.delete(conversations).where(and(eq(conversations.id, id), ownedBy(owner))).returning({ id: conversations.id });
    return rows.length > 0;
  }

  /**
   * Appends messages in order. Their sequence numbers come from bumping the conversation's counter,
   * which locks its row, so concurrent appends never interleave or collide. Undefined: no such conversation.
   */
  async append(id: string, owner: string | null, messages: Array<ConversationMessageInput & { tokens: number | null }>): Promise<ConversationMessageView[] | undefined> {
    return this.db.transaction(async (tx) => {
      const [bumped] = await tx
        .update(conversations)
        .set({ lastSeq: sql`${conversations.lastSeq} + ${messages.length}`, updatedAt: sql`now()` })
        .where(and(eq(conversations.id, id), ownedBy(owner)))
        .returning({ lastSeq: conversations.lastSeq });
      if (!bumped) return undefined;
      const first = bumped.lastSeq - messages.length + 1;
      const rows = await tx
        .insert(conversationMessages)
        .values(messages.map((m, i) => ({ id: newRequestId("msg"), conversationId: id, seq: first + i, role: m.role, content: m.content, tokens: m.tokens })))
        .returning();
      return rows.sort((a, b) => a.seq - b.seq).map(messageView);
    });
  }

  /** The newest `limit` messages, oldest first. */
  async messages(id: string, limit: number): Promise<ConversationMessageView[]> {
    const rows = await this.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, id))
      .orderBy(desc(conversationMessages.seq))
      .limit(limit);
    return rows.reverse().map(messageView);
  }

  /** Removes every message; returns how many. */
  async clear(id: string): Promise<number> {
    const rows = await this.db.delete(conversationMessages).where(eq(conversationMessages.conversationId, id)).returning({ id: conversationMessages.id });
    await this.db.update(conversations).set({ updatedAt: sql`now()` }).where(eq(conversations.id, id));
    return rows.length;
  }

  private async countMessages(id: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(conversationMessages).where(eq(conversationMessages.conversationId, id));
    return Number(row?.n ?? 0);
  }
}

function conversationView(row: ConversationRow, messageCount: number): ConversationView {
  return {
    id: row.id,
    object: "conversation",
    title: row.title,
    model: row.model,
    systemPrompt: row.systemPrompt,
    metadata: row.metadata,
    messageCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function messageView(row: MessageRow): ConversationMessageView {
  return {
    id: row.id,
    object: "conversation.message",
    conversationId: row.conversationId,
    seq: row.seq,
    role: row.role,
    content: row.content,
    tokens: row.tokens,
    createdAt: row.createdAt.toISOString(),
  };
}

