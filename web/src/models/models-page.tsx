import { useEffect, useState } from "preact/hooks";
import type { FleetWorker, ModelEntry, ModelPlacement } from "@lantern/shared/contracts";
import { adminToken } from "../api/admin-client.js";
import { modelLibrary } from "../api/model-library-client.js";
import { actionError } from "./action-error.js";
import { byteSize } from "./byte-size.js";
import { LoadPanel } from "./load-panel.js";
import { ModelTable } from "./model-table.js";
import { PullPanel } from "./pull-panel.js";
import "./models.css";

/** Placements change as workers load and beat: the list is read again this often. */
const REFRESH_MS = 2_000;

/** The Models page: files on disk and where they run; pull, load, unload and delete. */
export function ModelsPage() {
  const [token, setToken] = useState(adminToken.get());
  const [tokenVersion, setTokenVersion] = useState(0);
  const [models, setModels] = useState<ModelEntry[] | null>(null);
  const [workers, setWorkers] = useState<FleetWorker[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loading, setLoading] = useState<ModelEntry | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = async () => {
    try {
      const [m, w] = await Promise.all([modelLibrary.models(), modelLibrary.workers()]);
      // A name a worker once served but that is nowhere now (no file, no registration, not loaded) is history, not a model to act on.
      setModels(m.filter((e) => e.onDisk || e.registeredAt !== null || e.loadedOn.length > 0));
      setWorkers(w);
      setListError(null);
    } catch (err) {
      setListError(actionError("Listing the models", err));
    }
  };
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [tokenVersion]);

  const act = async (what: string, work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await work());
      await refresh();
    } catch (err) {
      setError(actionError(what, err));
    } finally {
      setBusy(false);
    }
  };
  const unload = (model: ModelEntry, placement: ModelPlacement) =>
    act(`Unloading ${model.name} from ${placement.workerId}`, async () => {
      await modelLibrary.unload(placement.workerId, model.name);
      return `${model.name} is unloaded from ${placement.workerId}.`;
    });
  const remove = (model: ModelEntry) => {
    if (!confirm(`Delete ${model.file} from disk? Workers that have it loaded keep serving it until they unload it.`)) return;
    void act(`Deleting ${model.name}`, async () => {
      await modelLibrary.remove(model.name);
      return `${model.file} is deleted.`;
    });
  };

  return (
    <div class="models-page">
      <form
        class="token"
        onSubmit={(e) => {
          e.preventDefault();
          adminToken.set(token.trim());
          setTokenVersion((v) => v + 1);
        }}
      >
        <label>
          Admin token
          <input type="password" autocomplete="off" value={token} placeholder="ADMIN_TOKEN (none on a loopback admin)" onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit">Use</button>
        <span class="muted workers-summary" data-testid="workers-summary">
          {workers.length === 0
            ? "No live worker"
            : workers.map((w) => `${w.workerId}: ${w.pool}, ${byteSize(w.hardware.ram.freeBytes)} RAM free${w.hardware.vram ? `, ${byteSize(w.hardware.vram.freeBytes)} VRAM free` : ""}`).join(" · ")}
        </span>
      </form>
      {listError ? (
        <div class="error-box" role="alert" data-testid="models-list-error">
          {listError}
        </div>
      ) : null}
      <PullPanel tokenVersion={tokenVersion} onPulled={() => void refresh()} />
      {loading ? (
        <LoadPanel
          model={loading}
          workers={workers}
          onClose={() => setLoading(null)}
          onLoaded={(message) => {
            setLoading(null);
            setNotice(message);
            void refresh();
          }}
        />
      ) : null}
      {error ? (
        <div class="error-box" role="alert" data-testid="models-error">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div class="models-notice" data-testid="models-notice">
          {notice}
        </div>
      ) : null}
      <section class="panel">
        <h3>On disk and loaded</h3>
        {models === null ? <p class="muted models-empty">Reading the models…</p> : <ModelTable models={models} busy={busy} onLoad={setLoading} onUnload={(m, p) => void unload(m, p)} onDelete={remove} />}
      </section>
    </div>
  );
}
