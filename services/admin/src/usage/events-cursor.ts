/** Where a page of the newest-first event list ended: the last row's time and id. */
export interface EventsCursor {
  at: Date;
  id: string;
}

export function encodeCursor({ at, id }: EventsCursor): string {
  return Buffer.from(JSON.stringify([at.getTime(), id])).toString("base64url");
}

/** Undefined for anything that is not a cursor this API handed out. */
export function decodeCursor(raw: string): EventsCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string") {
      return { at: new Date(value[0] as number), id: value[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}
