/** `json`: one object per line, for machines and log shippers. `pretty`: one readable line per event, for people. */
export type LogFormat = "json" | "pretty";

/** Where lines go, as far as choosing a format is concerned: a terminal or not. */
export interface LogStream {
  isTTY?: boolean;
}

/** The format asked for, or else pretty for a terminal and JSON for a pipe or a file (what tools read). */
export function chooseLogFormat(requested: LogFormat | undefined, stream: LogStream): LogFormat {
  return requested ?? (stream.isTTY === true ? "pretty" : "json");
}

/**
 * Colour for pretty lines. NO_COLOR (https://no-color.org) always wins: it is the user's own
 * choice. FORCE_COLOR turns colour on where stdout is a pipe, as a supervisor that shows the
 * lines on its own terminal asks (`0` or `false` turn it off, as in Node). Otherwise a terminal
 * gets colour unless TERM is `dumb`.
 */
export function wantsColour(stream: LogStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const forced = env.FORCE_COLOR;
  if (forced !== undefined) return forced !== "0" && forced !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}
