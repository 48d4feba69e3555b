/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The candidates closest to `query`, for "did you mean" hints: those containing it (or contained
 * in it) first, then those within a few edits, at most `max`.
 */
export function nearNames(query: string, candidates: Iterable<string>, max = 5): string[] {
  const q = query.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(candidates)) {
    const n = name.toLowerCase();
    const contains = n.includes(q) || q.includes(n);
    const d = distance(query, name);
    const limit = Math.max(2, Math.floor(Math.max(query.length, name.length) / 3));
    if (contains) scored.push({ name, score: d - 1000 });
    else if (d <= limit) scored.push({ name, score: d });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}
