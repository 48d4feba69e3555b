import { PullError } from "../pull-error.js";
import { nearNames } from "@lantern/shared/model-files";

interface HubClientOptions {
  /** `https://huggingface.co` or a mirror. */
  endpoint: string;
  /** Bearer token for gated and private repositories; sent only to the endpoint's own host. */
  token?: string;
}

/** What the hub says about one file before it is downloaded. */
export interface HubFile {
  repo: string;
  file: string;
  /** As asked for (branch, tag or commit). */
  revision: string;
  /** The commit the hub resolved the revision to, when it said (`x-repo-commit`). */
  commit: string | null;
  /** The resolve URL pinned to the commit (the revision's when the hub gave none). */
  url: string;
  sizeBytes: number | null;
  /** The LFS sha256 the hub reports, when it reports one. */
  sha256: string | null;
}

const MAX_REDIRECTS = 10;
const SHA256 = /^[0-9a-f]{64}$/;

/** `"abc"`, `W/"abc"` → `abc`. */
function unquoteEtag(value: string | null): string | null {
  if (!value) return null;
  return value.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function digestFrom(headers: Headers): string | null {
  for (const name of ["x-linked-etag", "etag"]) {
    const value = unquoteEtag(headers.get(name))?.toLowerCase() ?? null;
    if (value && SHA256.test(value)) return value;
  }
  return null;
}

function sizeFrom(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
}

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Talks to the Hugging Face hub (or a mirror with the same URL layout): file metadata, downloads
 * (redirects followed by hand, so the token never travels to another host, as huggingface_hub
 * does), and listings for "did you mean" answers.
 */
export class HubClient {
  private readonly endpoint: URL;

  constructor(private readonly opts: HubClientOptions) {
    this.endpoint = new URL(opts.endpoint.endsWith("/") ? opts.endpoint : `${opts.endpoint}/`);
  }

  /** `{endpoint}/{repo}/resolve/{revision}/{file}`, every path segment encoded. */
  resolveUrl(repo: string, revision: string, file: string): string {
    const path = [...repo.split("/"), "resolve", revision, ...file.split("/")].map(encodeURIComponent).join("/");
    return new URL(path, this.endpoint).toString();
  }

  /** Size, digest and commit of a file; throws PullError when it cannot be had. */
  async probe(repo: string, file: string, revision: string, signal?: AbortSignal): Promise<HubFile> {
    const url = this.resolveUrl(repo, revision, file);
    let at = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await this.send(at, { method: "HEAD", signal });
      const commit = res.headers.get("x-repo-commit");
      const pinned = commit ? this.resolveUrl(repo, commit, file) : url;
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get("location");
        const linkedSize = sizeFrom(res.headers.get("x-linked-size"));
        // The hub answers an LFS file with a redirect to its storage that carries the file's facts.
        if (linkedSize !== null || commit || !location) {
          return { repo, file, revision, commit, url: pinned, sizeBytes: linkedSize ?? (await this.sizeAt(location ? new URL(location, at).toString() : null, signal)), sha256: digestFrom(res.headers) };
        }
        at = new URL(location, at).toString();
        continue;
      }
      if (res.ok) {
        return { repo, file, revision, commit, url: pinned, sizeBytes: sizeFrom(res.headers.get("content-length")), sha256: digestFrom(res.headers) };
      }
      throw await this.errorFor(res, { repo, file, revision });
    }
    throw new PullError("upstream_error", `the hub redirected ${url} more than ${MAX_REDIRECTS} times`);
  }

  /**
   * GETs `url` from byte `from` on, following redirects (the Range header goes along, the token
   * only to the endpoint's host). Returns the final response whatever its status.
   */
  async download(url: string, from: number, signal?: AbortSignal): Promise<Response> {
    let at = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await this.send(at, { method: "GET", signal, headers: from > 0 ? { range: `bytes=${from}-` } : {} });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        at = new URL(location, at).toString();
        continue;
      }
      return res;
    }
    throw new PullError("upstream_error", `the hub redirected ${url} more than ${MAX_REDIRECTS} times`);
  }

  /** The PullError for a failed response to a request about `target`. */
  async errorFor(res: Response, target: { repo: string; file: string; revision: string }): Promise<PullError> {
    await res.body?.cancel().catch(() => {});
    const { repo, file, revision } = target;
    const errorCode = res.headers.get("x-error-code");
    const page = new URL(repo, this.endpoint).toString();
    if (res.status === 401 && errorCode === "RepoNotFound") {
      return new PullError("not_found", `repository ${repo} was not found on the hub; if it is private, set HF_TOKEN to a token that can read it`);
    }
    if (res.status === 401) {
      return this.opts.token
        ? new PullError("unauthorized", `the hub did not accept HF_TOKEN for ${repo} (401): check that the token is valid and not expired`)
        : new PullError("unauthorized", `${repo} is gated or private: set HF_TOKEN to a Hugging Face token that can read it (create one at https://huggingface.co/settings/tokens)`);
    }
    if (res.status === 403) {
      return new PullError(
        "forbidden",
        `HF_TOKEN has no access to ${repo} (403): open ${page} while signed in as the token's owner and accept the model's terms, or use a token with access (fine-grained tokens need "read access to public gated repos")`,
      );
    }
    if (res.status === 404) {
      if (errorCode === "RevisionNotFound") return new PullError("not_found", `revision ${revision} does not exist in ${repo}: use a branch, tag or commit listed at ${page}`);
      return this.fileNotFound(target);
    }
    if (res.status === 416) return new PullError("upstream_error", `the hub refused the byte range asked for ${repo}/${file} (416)`);
    return new PullError("upstream_error", `the hub answered ${res.status} ${res.statusText} for ${repo}/${file}; try again later`);
  }

  /** Why a file is missing: the repository or revision is not there, or it holds other GGUF files. */
  private async fileNotFound({ repo, file, revision }: { repo: string; file: string; revision: string }): Promise<PullError> {
    const path = ["api", "models", ...repo.split("/"), "revision", revision].map(encodeURIComponent).join("/");
    let res: Response;
    try {
      res = await this.send(new URL(path, this.endpoint).toString(), { method: "GET" });
    } catch {
      return new PullError("not_found", `${file} was not found in ${repo} at ${revision}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return new PullError("not_found", `repository ${repo} (revision ${revision}) was not found on the hub; check the owner/name spelling, and set HF_TOKEN if it is private`);
    }
    const body = (await res.json().catch(() => null)) as { siblings?: { rfilename?: unknown }[] } | null;
    const ggufs = (body?.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === "string" && f.toLowerCase().endsWith(".gguf"));
    if (ggufs.length === 0) return new PullError("not_found", `${file} was not found in ${repo} at ${revision}, and the repository has no GGUF files`, []);
    const near = nearNames(file, ggufs);
    const suggestions = near.length > 0 ? near : ggufs.slice(0, 10);
    return new PullError(
      "not_found",
      `${file} was not found in ${repo} at ${revision}; ${near.length > 0 ? "did you mean" : "its GGUF files include"}: ${suggestions.join(", ")}`,
      suggestions,
    );
  }

  /** The size a redirect target reports, for a redirect that did not carry it. */
  private async sizeAt(url: string | null, signal?: AbortSignal): Promise<number | null> {
    if (!url) return null;
    const res = await this.send(url, { method: "HEAD", signal }).catch(() => null);
    return res?.ok ? sizeFrom(res.headers.get("content-length")) : null;
  }

  private async send(url: string, init: { method: string; signal?: AbortSignal; headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { "user-agent": "lantern-model-fetcher", ...init.headers };
    // Only the hub's own host sees the token: storage hosts get signed URLs, not credentials.
    if (this.opts.token && new URL(url).origin === this.endpoint.origin) headers.authorization = `Bearer ${this.opts.token}`;
    try {
      return await fetch(url, { method: init.method, headers, redirect: "manual", signal: init.signal });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new PullError("network_error", `could not reach ${new URL(url).host}: ${describeNetworkError(err)}; check the network (or HF_ENDPOINT)`, undefined, { cause: err });
    }
  }
}
