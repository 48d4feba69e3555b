/**
 * The cosine of the angle between two vectors, in [-1, 1]. Computed in full rather than as a dot
 * product, so it holds for vectors that are not unit length; a zero vector is similar to nothing.
 */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`vectors of ${a.length} and ${b.length} dimensions cannot be compared`);
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  if (aa === 0 || bb === 0) return 0;
  // Rounding can carry a vector's similarity with itself a hair past 1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(aa * bb)));
}
