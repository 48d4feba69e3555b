import { describe, expect, it } from "vitest";
import { z } from "zod";
import { natsEnv, parseEnv, requestLogEnv } from "./index.js";

const LogSettings = z.object({ ...natsEnv, ...requestLogEnv });
const read = (env: NodeJS.ProcessEnv) => parseEnv(LogSettings, env);

describe("log settings from the environment", () => {
  it("leaves the format and the request lines to the service when unset or empty", () => {
    for (const env of [{}, { LOG_FORMAT: "", LOG_REQUESTS: "" }]) {
      const settings = read(env);
      expect([settings.LOG_FORMAT, settings.LOG_REQUESTS]).toEqual([undefined, undefined]);
    }
  });

  it("takes json or pretty, and request lines on or off", () => {
    expect(read({ LOG_FORMAT: "pretty", LOG_REQUESTS: "1" })).toMatchObject({ LOG_FORMAT: "pretty", LOG_REQUESTS: true });
    expect(read({ LOG_FORMAT: "json", LOG_REQUESTS: "false" })).toMatchObject({ LOG_FORMAT: "json", LOG_REQUESTS: false });
  });

  it("names a format it does not know", () => {
    expect(() => read({ LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT/);
    expect(() => read({ LOG_REQUESTS: "sometimes" })).toThrow(/LOG_REQUESTS/);
  });
});
