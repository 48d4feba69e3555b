import type { CreatedKey, KeyList, KeyView } from "@lantern/shared/contracts";
import { errorFromResponse, type ApiErrorBody } from "./api-error.js";

/** The limits the Keys page sets on a key. */
export type KeyLimits = Pick<KeyView, "rateLimits" | "maxConcurrent" | "budget">;

/** The admin token lives for this tab only (sessionStorage): it can make and revoke every key. */
const TOKEN = "lantern.adminToken";
export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN) ?? "",
  set: (token: string) => (token ? sessionStorage.setItem(TOKEN, token) : sessionStorage.removeItem(TOKEN)),
};

/** The gateway forwards these to the admin service (same origin, so no CORS is opened). */
const BASE = "/admin/api/key-management/keys";

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = adminToken.get();
  const res = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { ...(init.body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  if (!res.ok) throw new AdminError(await errorFromResponse(res), res.status);
  return (await res.json()) as T;
}

export class AdminError extends Error {
  override name = "AdminError";
  constructor(
    readonly body: ApiErrorBody,
    readonly status: number,
  ) {
    super(body.message);
  }
}

export const adminKeys = {
  list: () => call<KeyList>("?limit=200").then((r) => r.data),
  create: (name: string, limits: KeyLimits) => call<CreatedKey>("", { method: "POST", body: JSON.stringify({ name, ...limits }) }),
  update: (id: string, limits: KeyLimits) => call<KeyView>(`/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(limits) }),
  revoke: (id: string) => call<KeyView>(`/${encodeURIComponent(id)}`, { method: "DELETE" }),
};
