import { useEffect, useReducer, useState } from "preact/hooks";
import { followMonitor } from "../api/monitor-client.js";
import { emptyMonitor, MONITOR_KINDS, monitorReducer, type PullView, type WorkerView } from "./monitor-state.js";
import { TasksPanel } from "./tasks-panel.js";
import { Sparkline } from "./sparkline.js";

const ms = (v: number | null | undefined) => (v == null ? "–" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function WorkerCard({ worker }: { worker: WorkerView }) {
  return (
    <div class="card" data-testid="worker">
      <div class="card-title">
        <strong>{worker.workerId}</strong> <span class="tag">{worker.pool}</span>
      </div>
      <div class="muted">
        {worker.host} · {worker.hardware.devices.join(", ") || "CPU"} · {worker.tokensPerSecond.toFixed(1)} tokens/s
      </div>
      <table class="slots">
        <tbody>
          {worker.models.map((m) => (
            <tr key={m.name} data-testid="worker-model">
              <td>{m.name}</td>
              <td class="muted">{m.state ?? "loaded"}</td>
              <td data-testid="slots">
                {m.slots - m.freeSlots} busy / {m.freeSlots} free
              </td>
              <td class="meter">
                <span style={{ width: `${((m.slots - m.freeSlots) / m.slots) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PullRow({ pull }: { pull: PullView }) {
  const share = pull.totalBytes ? Math.min(1, pull.receivedBytes / pull.totalBytes) : 0;
  return (
    <li data-testid="pull">
      <span>{pull.name}</span>
      <progress max={1} value={pull.state === "done" ? 1 : share} />
      <span class="muted">{pull.state === "failed" ? pull.detail : pull.state === "done" ? "done" : `${mib(pull.receivedBytes)}${pull.totalBytes ? ` of ${mib(pull.totalBytes)}` : ""}`}</span>
    </li>
  );
}

export function MonitorPage() {
  const [state, dispatch] = useReducer(monitorReducer, emptyMonitor);
  const [status, setStatus] = useState("connecting");
  useEffect(() => followMonitor(MONITOR_KINDS, dispatch, setStatus), []);
  return (
    <div class="monitor">
      <div class="monitor-head">
        <h2>Fleet</h2>
        <span class={`status ${status === "live" ? "ok" : ""}`} data-testid="monitor-status">
          {status}
        </span>
      </div>
      <div class="charts">
        <Sparkline samples={state.tokensPerSecond} label="Tokens/s" unit="tokens/s" />
        <Sparkline samples={state.queueDepth} label="Queue depth" unit="waiting" />
      </div>
      <section>
        <h3>Workers</h3>
        {state.workers.length === 0 ? <p class="muted">No live workers.</p> : null}
        <div class="cards">
          {state.workers.map((w) => (
            <WorkerCard key={w.workerId} worker={w} />
          ))}
        </div>
      </section>
      <section>
        <h3>Queues</h3>
        <table data-testid="queues">
          <thead>
            <tr>
              <th>Model</th>
              <th>Waiting (high / normal / low)</th>
              <th>Oldest wait</th>
            </tr>
          </thead>
          <tbody>
            {state.queues.map((q) => (
              <tr key={q.model}>
                <td>{q.model}</td>
                <td>
                  {q.waiting.high} / {q.waiting.normal} / {q.waiting.low}
                </td>
                <td>{ms(q.oldestWaitMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Prompt reuse</h3>
        <table data-testid="reuse">
          <thead>
            <tr>
              <th>Model</th>
              <th>Requests</th>
              <th>Prompt tokens</th>
              <th>From slot caches</th>
            </tr>
          </thead>
          <tbody>
            {state.reuse.map((r) => (
              <tr key={r.model} data-testid="reuse-row">
                <td>{r.model}</td>
                <td>{r.requests}</td>
                <td>{r.promptTokens}</td>
                <td data-testid="reuse-share">{Math.round((100 * r.cachedTokens) / Math.max(1, r.promptTokens))}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Recent requests</h3>
        <div class="scroll">
          <table data-testid="requests">
            <thead>
              <tr>
                <th>Model</th>
                <th>Path</th>
                <th>Tokens</th>
                <th>TTFT</th>
                <th>Latency</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {state.requests.map((r) => (
                <tr key={r.id} data-testid="request">
                  <td>{r.model || "–"}</td>
                  <td class="muted">{r.path}</td>
                  <td>
                    {r.promptTokens} + {r.completionTokens}
                    {(r.cachedTokens ?? 0) > 0 ? <span class="muted"> ({r.cachedTokens} cached)</span> : null}
                  </td>
                  <td>{ms(r.ttftMs)}</td>
                  <td>{ms(r.latencyMs)}</td>
                  <td class={r.status >= 400 ? "bad" : ""}>{r.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="two">
        <div>
          <h3>Model pulls</h3>
          {state.pulls.length === 0 ? <p class="muted">None lately.</p> : null}
          <ul class="pulls">
            {state.pulls.map((p) => (
              <PullRow key={p.pullId} pull={p} />
            ))}
          </ul>
        </div>
        <div>
          <h3>Pipeline runs</h3>
          {state.runs.length === 0 ? <p class="muted">None lately.</p> : null}
          <ul class="runs">
            {state.runs.map((r) => (
              <li key={r.runId}>
                <strong>{r.pipeline || r.runId}</strong> <span class={`tag ${r.status}`}>{r.status}</span>
                <div class="stages">
                  {r.stages.map((s) => (
                    <span key={s.index} class={`stage ${s.status}`}>
                      {s.stage}
                    </span>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        </div>
      </section>
      <TasksPanel tasks={state.tasks} />
      <section>
        <h3>Events</h3>
        <ul class="happenings">
          {state.happenings.map((h, i) => (
            <li key={i}>
              <span class="muted">{new Date(h.at).toLocaleTimeString()}</span> {h.text}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
