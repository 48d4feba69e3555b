/**
 * The environment with each variable that is unset (or empty) taken from its alias: another
 * system's name for the same setting (BricksLLM's `CONTEXT_SIZE` for `INFERENCE_CONTEXT_SIZE`, ...).
 * Lantern's own name wins when both are set.
 */
export function withEnvAliases(env: NodeJS.ProcessEnv, aliases: Record<string, string>): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [alias, name] of Object.entries(aliases)) {
    const value = env[alias];
    if ((out[name] === undefined || out[name] === "") && value !== undefined && value !== "") out[name] = value;
  }
  return out;
}
