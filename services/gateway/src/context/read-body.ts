import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, invalidRequest } from "../errors/api-error.js";
import type { GatewayConfig } from "../config.js";
import type { GatewayEnv } from "./gateway-env.js";

/** What bounds a request body: its size and how long the client may take to send it. */
type BodyLimits = Pick<GatewayConfig, "GATEWAY_BODY_LIMIT_BYTES" | "GATEWAY_BODY_TIMEOUT_MS">;

const bodyTooLarge = (limit: number) =>
  new ApiError(413, "invalid_request_error", `The request body is larger than ${limit} bytes.`, {
    code: "request_too_large",
    // The rest of the body is never read, so the connection cannot carry another request.
    headers: { Connection: "close" },
  });

const bodyTooSlow = (timeoutMs: number) =>
  new ApiError(408, "invalid_request_error", `The request body was not received within ${timeoutMs} ms.`, {
    code: "request_timeout",
    headers: { Connection: "close" },
  });

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body as text, read straight from Node's request (the web-stream adapter costs a noticeable
 * share of a small request's time). Stops reading as soon as the body passes the size limit,
 * whether or not it declared its length, or when it has not all arrived by the deadline. The
 * request is paused rather than destroyed, so the error can still be sent before the connection closes.
 */
function readText(incoming: IncomingMessage, limits: BodyLimits): Promise<string> {
  const limit = limits.GATEWAY_BODY_LIMIT_BYTES;
  if (Number(incoming.headers["content-length"]) > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: unknown, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      incoming.off("data", onData);
      if (error) {
        incoming.pause();
        reject(error);
      } else resolve(text!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(bodyTooLarge(limit));
      else chunks.push(chunk);
    };
    const deadline = setTimeout(() => settle(bodyTooSlow(limits.GATEWAY_BODY_TIMEOUT_MS)), limits.GATEWAY_BODY_TIMEOUT_MS);
    incoming.on("data", onData);
    // Stays attached after settling: a late socket error must not become an uncaught one.
    incoming.on("error", (err) => settle(err));
    incoming.once("end", () => {
      let text: string;
      try {
        text = strictUtf8.decode(Buffer.concat(chunks, size));
      } catch {
        return settle(invalidRequest("The request body is not valid UTF-8.", null, "invalid_encoding"));
      }
      settle(undefined, text);
    });
  });
}

export interface JsonObjectBody {
  /** The body exactly as the client sent it. */
  text: string;
  object: Record<string, unknown>;
}

/** Reads a body that must be one JSON object; bad JSON and anything else become 400s. */
export async function readJsonObject(c: Context<GatewayEnv>, limits: BodyLimits): Promise<JsonObjectBody> {
  const text = await readText(c.env.incoming, limits);
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
export async function readJsonBody<S extends z.ZodType>(c: Context<GatewayEnv>, schema: S, limits: BodyLimits): Promise<z.output<S>> {
  return schema.parse((await readJsonObject(c, limits)).object);
}
