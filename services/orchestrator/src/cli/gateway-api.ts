import { PipelineEvent } from "@lantern/shared/contracts";

/** A failure the CLI reports in one line and exits 1 on. */
export class CliError extends Error {
  override name = "CliError";
}

interface GatewayApiOptions {
  baseUrl: string;
  apiKey: string | undefined;
}

/** The gateway's `/v1/pipelines` API, as the CLI uses it. */
export class GatewayApi {
  constructor(private readonly opts: GatewayApiOptions) {}

  async json<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`The gateway answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) throw new CliError(errorMessage(res.status, parsed));
    return parsed as T;
  }

  /** The events of an SSE answer, as they arrive. */
  async *events(method: "GET" | "POST", path: string, body?: unknown): AsyncGenerator<PipelineEvent> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) throw new CliError(errorMessage(res.status, await res.json().catch(() => null)));
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith("data: ")) yield PipelineEvent.parse(JSON.parse(block.slice("data: ".length)));
      }
    }
  }

  private async fetch(method: string, path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    try {
      return await fetch(`${this.opts.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new CliError(`Cannot reach the gateway at ${this.opts.baseUrl} (${(err as Error).cause ?? (err as Error).message}). Start the stack with \`npm start\`, or set GATEWAY_URL.`);
    }
  }
}

function errorMessage(status: number, body: unknown): string {
  const error = (body as { error?: { message?: string; code?: string } } | null)?.error;
  if (status === 401) return `The gateway needs an API key (${error?.message ?? "401"}). Set LANTERN_API_KEY.`;
  return error?.message ? `${error.message}${error.code ? ` (${error.code})` : ""}` : `The gateway answered ${status}.`;
}
