import { runCli } from "./cli-app.js";
import { presetCatalogue } from "../presets/preset-catalogue.js";

const interrupt = new AbortController();
let interruptedAt = 0;
process.on("SIGINT", () => {
  // A terminal's Ctrl-C reaches this process twice (directly, and passed on by the script runner):
  // only a second press, a moment later, leaves without cleaning up.
  if (interrupt.signal.aborted) {
    if (Date.now() - interruptedAt > 500) process.exit(130);
    return;
  }
  interruptedAt = Date.now();
  interrupt.abort();
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupt.signal,
  presets: presetCatalogue,
});
process.exit(code);
