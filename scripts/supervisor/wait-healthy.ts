/** Polls health URLs until every one answers 200, the time is up, or `abandoned()` says to give up. */
export async function waitHealthy(urls: readonly string[], timeoutMs: number, abandoned: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(urls);
  while (Date.now() < deadline && !abandoned()) {
    for (const url of pending) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.body?.cancel();
        if (res.ok) pending.delete(url);
      } catch {
        // not listening yet
      }
    }
    if (pending.size === 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
