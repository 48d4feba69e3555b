/**
 * The services pick their log format from LOG_FORMAT (`json` | `pretty`), and unset, from whether
 * their own stdout is a terminal. Under the supervisor their stdout is a pipe, so the supervisor
 * decides for them: readable lines when it writes to a terminal, JSON (for a log collector) when not.
 */
export function childLogEnv(supervisorOnTerminal: boolean, env: NodeJS.ProcessEnv): Record<string, string> {
  if (!supervisorOnTerminal || env.LOG_FORMAT) return {};
  return { LOG_FORMAT: "pretty", ...(env.NO_COLOR ? {} : { FORCE_COLOR: "1" }) };
}

/**
 * How a child's output line is shown: readable lines and anything else under `[name]`, JSON log
 * lines as they are, so that `LOG_FORMAT=json npm start` stays one JSON object per line (each
 * names its service).
 */
export function supervisedLine(name: string, line: string): string {
  return line.startsWith("{") && line.endsWith("}") ? line : `[${name}] ${line}`;
}
