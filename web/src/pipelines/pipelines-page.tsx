import { useState } from "preact/hooks";
import type { PipelineRunView } from "@lantern/shared/contracts";
import { BaseTab } from "./base-tab.js";
import { HistoryTab } from "./history-tab.js";
import { ManualTab } from "./manual-tab.js";
import { ModelsTab } from "./models-tab.js";
import "./pipelines.css";

const TABS = ["Base", "Manual", "History", "Models"] as const;
type Tab = (typeof TABS)[number];

/** The Pipelines page: run a saved pipeline (Base), build one (Manual), browse and rerun runs (History), and the models they need (Models). */
export function PipelinesPage() {
  const [tab, setTab] = useState<Tab>("Base");
  const [rerunTarget, setRerunTarget] = useState<{ runId: string; stage: string } | null>(null);
  const openRerun = (view: PipelineRunView, stage: string) => {
    setRerunTarget({ runId: view.id, stage });
    setTab("History");
  };
  return (
    <div class="pipelines">
      <nav class="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={t === tab} class={t === tab ? "active" : ""} data-testid={`tab-${t.toLowerCase()}`} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </nav>
      {/* Base and Manual stay mounted: a run keeps streaming while another tab is open. */}
      <div hidden={tab !== "Base"}>
        <BaseTab onRerun={openRerun} />
      </div>
      <div hidden={tab !== "Manual"}>
        <ManualTab onRerun={openRerun} />
      </div>
      {tab === "History" ? <HistoryTab key={rerunTarget ? `${rerunTarget.runId}:${rerunTarget.stage}` : "history"} target={rerunTarget} /> : null}
      {tab === "Models" ? <ModelsTab /> : null}
    </div>
  );
}
