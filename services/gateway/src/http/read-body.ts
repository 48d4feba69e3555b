import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, invalidRequest } from "../errors/api-error.js";
import type { GatewayEnv } from "./gateway-env.js";

const bodyTooLarge = (limit: number) =>
  new ApiError(413, "invalid_request_error", `The request body is larger than ${limit} bytes.`, {
    code: "request_too_large",
    // The rest of the body is never read, so the connection cannot carry another request.
    headers: { Connection: "close" },
  });

/**
 * The body as text, read straight from Node's request (the web-stream adapter costs a noticeable
 * share of a small request's time). Stops reading as soon as the body passes `limit` bytes,
 * whether or not it declared its length.
 */
async function readText(incoming: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) throw bodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw bodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

export interface JsonObjectBody {
  /** The body exactly as the client sent it. */
  text: string;
  object: Record<string, unknown>;
}

/** Reads a body that must be one JSON object; bad JSON and anything else become 400s. */
export async function readJsonObject(c: Context<GatewayEnv>, limit: number): Promise<JsonObjectBody> {
  const text = await readText(c.env.incoming, limit);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalidRequest("We could not parse the JSON body of your request. Send valid JSON.", null, "invalid_json");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidRequest("The request body must be a JSON object.", null, "invalid_json");
  }
  return { text, object: raw as Record<string, unknown> };
}

/** Reads a JSON body and parses it with the route's schema; bad JSON and bad shapes become 400s. */
export async function readJsonBody<S extends z.ZodType>(c: Context<GatewayEnv>, schema: S, limit: number): Promise<z.output<S>> {
  return schema.parse((await readJsonObject(c, limit)).object);
}
