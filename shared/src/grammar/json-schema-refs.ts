import { UnsupportedSchemaError } from "./json-schema-keywords.js";

/** Resolves `$ref`s that point inside the schema itself (`#`, `#/$defs/…`, `#/definitions/…`, any JSON pointer). */
export class SchemaRefs {
  constructor(private readonly root: unknown) {}

  resolve(ref: string, path: string): { target: unknown; pointer: string } {
    if (!ref.startsWith("#")) throw new UnsupportedSchemaError(path, "$ref", `'${ref}' points outside the schema; only local references ('#/...') are supported`);
    const pointer = decodeURIComponent(ref.slice(1));
    if (pointer !== "" && !pointer.startsWith("/")) throw new UnsupportedSchemaError(path, "$ref", `'${ref}' is not a JSON pointer ('#/$defs/Name')`);
    let target: unknown = this.root;
    for (const raw of pointer.split("/").slice(1)) {
      const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      target = typeof target === "object" && target !== null ? (target as Record<string, unknown>)[segment] : undefined;
      if (target === undefined) throw new UnsupportedSchemaError(path, "$ref", `'${ref}' points to nothing in the schema`);
    }
    return { target, pointer };
  }

  /** The schema a node stands for when it is nothing but a reference (annotations aside). */
  deref(node: unknown, path: string, depth = 0): unknown {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref !== "string" || depth > 32) return node;
    const { $ref, ...rest } = record;
    const { target } = this.resolve($ref, path);
    const resolved = this.deref(target, path, depth + 1);
    return Object.keys(rest).length === 0 ? resolved : { allOf: [resolved, rest] };
  }
}
