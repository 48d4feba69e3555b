import { z } from "zod";

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};
const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `1048576`, `512MiB`, `8GiB`, `1.5GB`: whole bytes, or undefined when the text is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = BYTE_SIZE.exec(text.trim());
  if (!match) return undefined;
  const factor = UNITS[(match[2] || "b").toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `1.5 GiB`-style text for messages; exact bytes travel beside it where they matter. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** An env var holding a byte size (see parseByteSize); unset or empty is null (no limit). */
export function byteSizeVar() {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === "") return null;
      const bytes = parseByteSize(text);
      if (bytes === undefined || bytes <= 0) {
        ctx.addIssue({ code: "custom", message: `expected a size such as 1073741824, 512MiB or 8GiB, got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return bytes;
    });
}
