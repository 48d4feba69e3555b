import type { UsageGroupBy } from "@lantern/shared/contracts";

/** The groupings the page offers, by the words a person would use. */
export const GROUPINGS: Array<{ id: Exclude<UsageGroupBy, "day">; label: string; heading: string }> = [
  { id: "model", label: "Model", heading: "By model" },
  { id: "servedModel", label: "Answering model", heading: "By the model that answered" },
  { id: "key", label: "API key", heading: "By API key" },
  { id: "status", label: "Status", heading: "By status" },
];
export type Grouping = (typeof GROUPINGS)[number]["id"];

const STATUS_WORDS: Record<string, string> = {
  "200": "OK",
  "400": "bad request",
  "401": "no valid key",
  "403": "not allowed",
  "404": "not found",
  "408": "timed out",
  "413": "too large",
  "429": "rate limited",
  "499": "client left",
  "500": "server error",
  "502": "upstream failed",
  "503": "no capacity",
  "504": "upstream timed out",
};

/** How a group is shown: a key by its name where the Keys list has it, a status with its meaning. */
export function groupName(grouping: Grouping, group: string | null, keyNames: ReadonlyMap<string, string>): string {
  if (grouping === "key") return group === null ? "no key (open mode)" : (keyNames.get(group) ?? group);
  if (grouping === "status" && group !== null) return STATUS_WORDS[group] ? `${group} ${STATUS_WORDS[group]}` : group;
  // Calls that name no model, such as the model list.
  return group === null || group === "" ? "no model named" : group;
}
