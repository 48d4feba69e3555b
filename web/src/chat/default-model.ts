/** The model a fresh clone serves (models/stories260K.gguf): the chat opens on it when it is served. */
export const BUNDLED_MODEL = "stories260K";

/**
 * The model to show after the list of served models changed: the one picked before when still
 * served, else the open conversation's, else the bundled model, else the first.
 */
export function modelToPick(served: string[], picked: string, conversationModel: string | undefined): string {
  for (const candidate of [picked, conversationModel, BUNDLED_MODEL]) if (candidate && served.includes(candidate)) return candidate;
  return served[0] ?? "";
}
