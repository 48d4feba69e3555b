import { expect, it } from "vitest";
import { SettingsError, stackSettings } from "./stack-settings.js";

it("runs one worker by default, N with --workers N or LANTERN_WORKERS, the flag winning", () => {
  expect(stackSettings([], {}, "/repo").workers).toBe(1);
  expect(stackSettings(["--workers", "3"], {}, "/repo").workers).toBe(3);
  expect(stackSettings(["--workers=2"], {}, "/repo").workers).toBe(2);
  expect(stackSettings([], { LANTERN_WORKERS: "4" }, "/repo").workers).toBe(4);
  expect(stackSettings(["--workers", "2"], { LANTERN_WORKERS: "4" }, "/repo").workers).toBe(2);
});

it("refuses a worker count that is not a positive whole number, and arguments it does not know", () => {
  expect(() => stackSettings(["--workers", "0"], {}, "/repo")).toThrow(SettingsError);
  expect(() => stackSettings(["--workers", "two"], {}, "/repo")).toThrow(/--workers must be a whole number/);
  expect(() => stackSettings([], { LANTERN_WORKERS: "1.5" }, "/repo")).toThrow(/LANTERN_WORKERS/);
  expect(() => stackSettings(["--wrokers", "2"], {}, "/repo")).toThrow(/unknown argument "--wrokers"/);
});

it("keeps its data under .data in the checkout unless LANTERN_DATA_DIR says, and starts its own NATS when NATS_URL is empty", () => {
  expect(stackSettings([], {}, "/repo")).toMatchObject({ dataDir: "/repo/.data", natsUrl: undefined, gatewayPort: 8002, adminPort: 8001 });
  expect(stackSettings([], { LANTERN_DATA_DIR: "/srv/lantern", NATS_URL: "", GATEWAY_PORT: "9000" }, "/repo")).toMatchObject({
    dataDir: "/srv/lantern",
    natsUrl: undefined,
    gatewayPort: 9000,
  });
});
