const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

/** The `{field}` names a template uses. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Fills `{field}` placeholders from `values`; the definitions were checked to use known fields only. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, field: string) => values[field] ?? whole);
}
