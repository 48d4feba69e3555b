import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { KeyView } from "@lantern/shared/contracts";
import { adminKeys, adminToken, AdminError } from "../api/admin-client.js";
import { LimitsForm } from "./limits-form.js";

const NO_LIMITS = { rateLimits: [], maxConcurrent: null, budget: null };

const limitsText = (key: KeyView) =>
  [
    ...key.rateLimits.map((r) => `${r.limit} ${r.kind}/${r.windowSeconds === 60 ? "min" : `${r.windowSeconds}s`}`),
    key.maxConcurrent ? `${key.maxConcurrent} at once` : "",
    key.budget ? `$${key.budget.amountUsd}/${key.budget.period}` : "",
  ]
    .filter(Boolean)
    .join(", ") || "none";

export function KeysPage() {
  const [token, setToken] = useState(adminToken.get());
  const [keys, setKeys] = useState<KeyView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  const attempt = async (work: () => Promise<void>) => {
    try {
      setError(null);
      await work();
    } catch (err) {
      const message = err instanceof AdminError ? err.body.message : String(err);
      const hint = err instanceof AdminError && err.status === 401 ? " Enter the admin service's ADMIN_TOKEN above." : "";
      setError(message + hint);
    }
  };
  const reload = () => attempt(async () => setKeys(await adminKeys.list()));
  useEffect(() => void reload(), []);

  return (
    <div class="keys">
      <form
        class="token"
        onSubmit={(e) => {
          e.preventDefault();
          adminToken.set(token.trim());
          void reload();
        }}
      >
        <label>
          Admin token
          <input type="password" autocomplete="off" value={token} placeholder="ADMIN_TOKEN (none on a loopback admin)" onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit">Use</button>
      </form>
      {error ? (
        <div class="error-box" role="alert" data-testid="keys-error">
          {error}
        </div>
      ) : null}
      {created ? (
        <div class="secret" data-testid="created-key">
          <div>
            The key <strong>{created.name}</strong>: copy it now, it is not shown again.
          </div>
          <code data-testid="secret">{created.secret}</code>
          <button
            onClick={() =>
              void navigator.clipboard.writeText(created.secret).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>
          <button class="link" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <h3>New key</h3>
      <LimitsForm
        initial={NO_LIMITS}
        withName
        submitLabel="Create"
        onSubmit={(limits, name) =>
          void attempt(async () => {
            const key = await adminKeys.create(name, limits);
            setCopied(false);
            setCreated({ name: key.name, secret: key.key });
            await reload();
          })
        }
      />
      <h3>Keys</h3>
      <div class="scroll">
        <table data-testid="keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Limits</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys ?? []).map((key) => (
              <Fragment key={key.id}>
                <tr data-testid="key-row">
                  <td>{key.name}</td>
                  <td>
                    <code>{key.keyPrefix}…</code>
                  </td>
                  <td>{limitsText(key)}</td>
                  <td class={key.revoked ? "bad" : ""}>{key.revoked ? "revoked" : "live"}</td>
                  <td class="row-actions">
                    {!key.revoked ? (
                      <>
                        <button onClick={() => setEditing(editing === key.id ? null : key.id)}>Limits</button>
                        <button
                          class="danger"
                          onClick={() => {
                            if (confirm(`Revoke ${key.name}? Requests with it are refused at once.`)) void attempt(async () => (await adminKeys.revoke(key.id), await reload()));
                          }}
                        >
                          Revoke
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
                {editing === key.id ? (
                  <tr>
                    <td colSpan={5}>
                      <LimitsForm
                        initial={key}
                        submitLabel="Save limits"
                        onSubmit={(limits) =>
                          void attempt(async () => {
                            await adminKeys.update(key.id, limits);
                            setEditing(null);
                            await reload();
                          })
                        }
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
