/** Levenshtein distance, case-insensitive (names differ by case on the hub more often than not). */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The candidates closest to `wanted`, best first: those containing it (or contained in it),
 * those within an edit distance of about a third of its length, then those containing each of
 * its words (`qwen-0.5b` → `qwen2.5-0.5b-instruct`). Empty when nothing is close.
 */
export function nearNames(wanted: string, candidates: Iterable<string>, limit = 5): string[] {
  const w = wanted.toLowerCase();
  const threshold = Math.max(2, Math.ceil(w.length / 3));
  const words = w.split(/[^a-z0-9]+/).filter(Boolean);
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const c = candidate.toLowerCase();
    const distance = editDistance(w, c);
    const contains = w.length >= 2 && (c.includes(w) || w.includes(c));
    // A substring match ranks by how much is left over, ahead of mere typos of the same size.
    if (contains) scored.push({ candidate, score: Math.abs(c.length - w.length) * 0.5 });
    else if (distance <= threshold) scored.push({ candidate, score: distance });
    else if (words.length >= 2 && words.every((word) => c.includes(word))) scored.push({ candidate, score: 100 + distance });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}
