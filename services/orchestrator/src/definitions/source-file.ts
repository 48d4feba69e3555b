import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { fieldName, schemaIssues, type FieldPath } from "@lantern/shared/contracts";

/** Where the problems of a definition are said to be: `file:line: field: message`, or `label: field: message` for one sent inline. */
export interface ProblemSource {
  readonly label: string;
  problem(path: FieldPath, message: string): string;
}

/** A definition sent in a request, not read from a file: its problems name the field only. */
export class InlineSource implements ProblemSource {
  constructor(readonly label: string) {}

  problem(path: FieldPath, message: string): string {
    const where = fieldName(path);
    return `${this.label}: ${where ? `${where}: ` : ""}${message}`;
  }

  /** Validates `value` with `schema`; a DefinitionError names each problem's field. */
  validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw schemaError(this, parsed.error);
  }
}

/** A definition file that cannot be used, with every problem found, each naming file:line and field. */
export class DefinitionError extends Error {
  override name = "DefinitionError";
  constructor(
    readonly problems: string[],
    /** The field of each problem (`base_pipeline.stages[1].model`), where known. */
    readonly fields: string[] = [],
  ) {
    super(problems.join("\n"));
  }
}

/**
 * A YAML (or JSON) definition file, parsed with its positions kept, so that every problem found in
 * it, by the schema or by the checks after it, says on which line it is.
 */
export class SourceFile implements ProblemSource {
  private constructor(
    readonly label: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; a syntax error is a DefinitionError naming its line. */
  static parse(label: string, text: string): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new DefinitionError(doc.errors.map((e) => `${label}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${firstLine(e.message)}`));
    }
    return new SourceFile(label, doc, lines);
  }

  toJS(): unknown {
    return this.doc.toJS();
  }

  /** Validates the content with `schema`; the problems name the line and field of each issue. */
  validate<S extends z.ZodType>(schema: S): z.output<S> {
    const parsed = schema.safeParse(this.toJS());
    if (parsed.success) return parsed.data;
    throw schemaError(this, parsed.error);
  }

  /** `file:line: field: message` for the field at `path` (or its nearest parent present in the file). */
  problem(path: FieldPath, message: string): string {
    const where = fieldName(path);
    return `${this.label}:${this.lineOf(path)}: ${where ? `${where}: ` : ""}${message}`;
  }

  lineOf(path: FieldPath): number {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        const item = node.items[key] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset).line;
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function schemaError(source: ProblemSource, error: z.ZodError): DefinitionError {
  const issues = schemaIssues(error);
  return new DefinitionError(
    issues.map((issue) => source.problem(issue.path, issue.message)),
    issues.map((issue) => fieldName(issue.path)),
  );
}
