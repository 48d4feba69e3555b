import type { TaskRow } from "./monitor-state.js";

const time = (at: number) => new Date(at).toLocaleTimeString();

/** Recent async tasks (`POST /api/v1/tasks`), last changed first, as their events arrive. */
export function TasksPanel({ tasks }: { tasks: TaskRow[] }) {
  return (
    <section>
      <h3>Tasks</h3>
      {tasks.length === 0 ? <p class="muted">None lately.</p> : null}
      {tasks.length > 0 ? (
        <div class="scroll">
          <table data-testid="tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Status</th>
                <th>First seen</th>
                <th>Last change</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.taskId} data-testid="task">
                  <td>
                    <code>{t.taskId}</code>
                    {t.error ? <div class="bad">{t.error}</div> : null}
                  </td>
                  <td>
                    <span class={`tag ${t.status}`} data-testid="task-status">
                      {t.status}
                    </span>
                  </td>
                  <td class="muted">{time(t.since)}</td>
                  <td class="muted">{time(t.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
