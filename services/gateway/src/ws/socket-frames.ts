import type { WSContext } from "hono/ws";
import type { z } from "zod";
import { ApiError, invalidRequest } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";

/** The largest client frame read; a chat's whole history fits well under it. */
const MAX_FRAME_BYTES = 1024 * 1024;

/** One client frame's JSON, or the ApiError the client is told (binary, too large, not JSON). */
export function readFrame(data: unknown): { ok: true; json: unknown } | { ok: false; error: ApiError } {
  if (typeof data !== "string") return { ok: false, error: invalidRequest("Frames are JSON text, not binary.") };
  if (Buffer.byteLength(data) > MAX_FRAME_BYTES) return { ok: false, error: invalidRequest(`A frame may be at most ${MAX_FRAME_BYTES} bytes.`) };
  try {
    return { ok: true, json: JSON.parse(data) };
  } catch {
    return { ok: false, error: invalidRequest("A frame must be one JSON object.") };
  }
}

/** A frame's JSON parsed by its schema, or the ApiError (400 with `param`) the client is told. */
export function parseJsonFrame<S extends z.ZodType>(schema: S, json: unknown): { ok: true; message: z.output<S> } | { ok: false; error: ApiError } {
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, error: toApiError(parsed.error) };
}

/** One client frame parsed by its schema, or the ApiError (400 with `param`) the client is told. */
export function parseFrame<S extends z.ZodType>(schema: S, data: unknown): { ok: true; message: z.output<S> } | { ok: false; error: ApiError } {
  const read = readFrame(data);
  return read.ok ? parseJsonFrame(schema, read.json) : read;
}

/** Sends a server frame while the socket is open (a closed socket's frames are dropped). */
export function sendFrame(ws: WSContext, frame: object): void {
  if (ws.readyState === 1) ws.send(JSON.stringify(frame));
}

/** The error frame's body: the OpenAI error object, as HTTP would have sent it. */
export function errorBody(error: ApiError) {
  return error.toBody().error;
}

/** A close code in the private range that names an auth failure (4000 + the HTTP status). */
export const closeCodeFor = (error: ApiError) => 4000 + error.status;
