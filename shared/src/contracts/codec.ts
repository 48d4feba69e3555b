import type { z } from "zod";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a message that already satisfies its schema (the type system checks that). */
export function encodeMessage<S extends z.ZodType>(_schema: S, value: z.input<S>): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export class MessageDecodeError extends Error {
  override name = "MessageDecodeError";
}

/** Parses bytes from NATS with the same schema the sender used; throws MessageDecodeError. */
export function decodeMessage<S extends z.ZodType>(schema: S, data: Uint8Array): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new MessageDecodeError("message is not JSON", { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new MessageDecodeError(`message does not match schema: ${parsed.error.message}`, { cause: parsed.error });
  }
  return parsed.data;
}
