/**
 * Keeps the stack's children running: a child that exits while the stack runs is started again
 * after a backoff, with a line saying which, why and when; one that exits before the stack was ever
 * ready is reported instead (it cannot start, so retrying would only hide why). Stops them in the
 * reverse of the order they were added.
 */
import { DEFAULT_BACKOFF, RestartBackoff, type BackoffOptions } from "./backoff.js";
import { describeExit, RunningChild, type ChildSpec } from "./child-process.js";

export interface SupervisorEvents {
  /** A line a child wrote. */
  onLine(service: string, line: string): void;
  /** A line of the supervisor's own (restarts). */
  log(message: string): void;
  /** A child started, restarted or exited: the pids changed. */
  onChildrenChanged?(): void;
  /** A child exited before the stack was ready. */
  onStartFailure?(service: string, reason: string): void;
}

export interface SupervisedChild {
  name: string;
  pid: number;
  marker: string;
}

interface Entry {
  spec: ChildSpec;
  child: RunningChild | undefined;
  backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | undefined;
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private ready = false;
  private stopping = false;

  constructor(
    private readonly events: SupervisorEvents,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  /** Starts a child and resolves once it is up; throws (having stopped it) when it cannot come up. */
  async add(spec: ChildSpec): Promise<void> {
    const entry: Entry = { spec, child: undefined, backoff: new RestartBackoff(this.backoff), restartTimer: undefined };
    this.entries.push(entry);
    const child = this.spawn(entry);
    try {
      await spec.started?.(child);
    } catch (err) {
      entry.child = undefined; // its exit is this failure, not one to report again
      child.kill();
      await child.exited;
      throw new Error(`${spec.name} could not start: ${(err as Error).message}`, { cause: err });
    }
  }

  /** From now on a child that exits is restarted. */
  markReady(): void {
    this.ready = true;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  children(): SupervisedChild[] {
    return this.entries.flatMap(({ spec, child }) =>
      child?.running && child.pid !== undefined ? [{ name: spec.name, pid: child.pid, marker: spec.marker }] : [],
    );
  }

  /** The running process of each child, by name. */
  processes(): RunningChild[] {
    return this.entries.flatMap(({ child }) => (child?.running ? [child] : []));
  }

  /** Stops every child, last added first; those with the same `stopsWith` together. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const entry of this.entries) clearTimeout(entry.restartTimer);
    const reversed = [...this.entries].reverse();
    for (let i = 0; i < reversed.length; ) {
      const group = reversed[i]!.spec.stopsWith;
      let end = i + 1;
      while (group !== undefined && end < reversed.length && reversed[end]!.spec.stopsWith === group) end++;
      await Promise.all(reversed.slice(i, end).map((entry) => entry.child?.stop(graceMs)));
      i = end;
    }
  }

  /** SIGKILL to every child's process group: for a second Ctrl-C. */
  killAll(): void {
    this.stopping = true;
    for (const entry of this.entries) {
      clearTimeout(entry.restartTimer);
      entry.child?.kill();
    }
  }

  private spawn(entry: Entry): RunningChild {
    const child = RunningChild.spawn(entry.spec, (service, line) => this.events.onLine(service, line));
    entry.child = child;
    void child.exited.then((exit) => {
      if (this.stopping || entry.child !== child) return;
      entry.child = undefined;
      this.events.onChildrenChanged?.();
      const why = describeExit(exit);
      if (entry.spec.onDone && exit.code === 0) {
        this.entries.splice(this.entries.indexOf(entry), 1);
        this.events.log(`${entry.spec.name} is done (exit code 0) after ${seconds(Date.now() - child.startedAt)}; it starts again when there is work for it.`);
        entry.spec.onDone();
        return;
      }
      if (!this.ready) {
        this.events.onStartFailure?.(entry.spec.name, why);
        return;
      }
      const ranMs = Date.now() - child.startedAt;
      const delayMs = entry.backoff.delayAfter(ranMs);
      this.events.log(`${entry.spec.name} exited unexpectedly (${why}) after ${seconds(ranMs)}; restarting it in ${seconds(delayMs)}.`);
      entry.restartTimer = setTimeout(() => void this.restart(entry), delayMs);
    });
    this.events.onChildrenChanged?.();
    return child;
  }

  private async restart(entry: Entry): Promise<void> {
    entry.restartTimer = undefined;
    if (this.stopping) return;
    const child = this.spawn(entry);
    try {
      await entry.spec.started?.(child);
    } catch (err) {
      // Its exit schedules the next try, a longer wait away.
      this.events.log(`${entry.spec.name} did not come up: ${(err as Error).message}`);
      child.kill();
      return;
    }
    if (child.running) this.events.log(`${entry.spec.name} restarted (pid ${child.pid}).`);
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, "")} s` : `${Math.round(ms / 1000)} s`;
}
