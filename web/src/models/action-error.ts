import { AdminError } from "../api/admin-client.js";

/** An action's failure in words: the API's own message, with what to do when the token is the trouble. */
export function actionError(what: string, err: unknown): string {
  if (err instanceof AdminError) {
    const hint = err.status === 401 ? " Enter the admin service's ADMIN_TOKEN above." : "";
    return `${what} failed: ${err.body.message}${hint}`;
  }
  return `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
}
