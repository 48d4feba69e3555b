import { invalidRequest } from "../errors/api-error.js";

type Item = Record<string, unknown>;

/**
 * One page of a response's input items as OpenAI lists them: newest first unless `order=asc`,
 * `limit` (1 to 100, 20 by default) after the item `after`, with the cursor fields.
 */
export function pageOfItems(items: Item[], query: Record<string, string>) {
  const order = query.order ?? "desc";
  if (order !== "asc" && order !== "desc") throw invalidRequest("'order' must be 'asc' or 'desc'.", "order", "invalid_value");
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest("'limit' must be a whole number from 1 to 100.", "limit", "invalid_value");
  const ordered = order === "asc" ? items : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    start = ordered.findIndex((item) => item.id === query.after) + 1;
    if (start === 0) throw invalidRequest(`No input item has the id '${query.after}'.`, "after", "invalid_value");
  }
  const data = ordered.slice(start, start + limit);
  return {
    object: "list",
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: start + limit < ordered.length,
  };
}
