/** The gateway API key this browser uses (empty: none, for a gateway in open mode). Kept in localStorage. */
const STORAGE = "lantern.apiKey";

export const apiKey = {
  get: () => localStorage.getItem(STORAGE) ?? "",
  set: (key: string) => (key ? localStorage.setItem(STORAGE, key) : localStorage.removeItem(STORAGE)),
};

/** The socket URL for a path on this origin, with the key in the query (browsers cannot set socket headers). */
export function socketUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const key = apiKey.get();
  if (key) url.searchParams.set("key", key);
  return url.toString();
}

export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}
