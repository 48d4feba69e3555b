import { useState } from "preact/hooks";
import { adminToken } from "../api/admin-client.js";

/** Asks for the admin service's token when it refused the page's calls; kept for this tab, as the Keys page keeps it. */
export function AdminTokenForm({ onSet }: { onSet: () => void }) {
  const [token, setToken] = useState(adminToken.get());
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        adminToken.set(token.trim());
        onSet();
      }}
    >
      <label>
        Admin token
        <input type="password" autocomplete="off" value={token} placeholder="ADMIN_TOKEN" onInput={(e) => setToken(e.currentTarget.value)} />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}
