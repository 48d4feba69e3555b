import { describe, expect, it } from "vitest";
import { formatBytes, parseByteSize } from "./byte-size.js";

describe("byte sizes", () => {
  it.each([
    ["1048576", 1048576],
    ["512MiB", 512 * 2 ** 20],
    ["8GiB", 8 * 2 ** 30],
    ["8 gib", 8 * 2 ** 30],
    ["1.5GB", 1.5e9],
    ["64KiB", 65536],
    ["10b", 10],
  ])("reads %j", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(["", "lots", "-1GiB", "8 GiX", "1e9", "GiB"])("refuses %j", (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });

  it("formats for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3 * 2 ** 20 + 2 ** 19)).toBe("3.5 MiB");
    expect(formatBytes(8 * 2 ** 30)).toBe("8.0 GiB");
  });
});
