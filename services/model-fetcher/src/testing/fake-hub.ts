import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

interface FakeHubFile {
  data: Buffer;
  /** The digest the hub reports (`x-linked-etag`); defaults to the data's own, null reports none. */
  sha256?: string | null;
}

interface FakeHubRepo {
  /** The commit `main` resolves to. */
  commit?: string;
  files: Record<string, Buffer | FakeHubFile>;
  /** Gated: no token → 401, a token other than the hub's → 403. */
  gated?: boolean;
}

interface FakeHubRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

/** Misbehaviours of the storage host, changeable while a test runs. */
interface FakeHubFaults {
  /** Cut the connection after this many body bytes of a download... */
  dropAfterBytes?: number;
  /** ...for this many downloads (default 1). */
  dropTimes?: number;
  /** Answer every download with the whole file (200), whatever Range asks. */
  ignoreRange?: boolean;
  /** Send at most this many bytes per second. */
  bytesPerSecond?: number;
}

export interface FakeHub {
  /** The endpoint to give the fetcher as HF_ENDPOINT. */
  readonly url: string;
  /** The storage host downloads are redirected to (another origin, like the real hub's CDN). */
  readonly cdnUrl: string;
  readonly requests: FakeHubRequest[];
  faults: FakeHubFaults;
  /** Downloads (GETs) the storage host saw, optionally of one file only. */
  downloads(file?: string): FakeHubRequest[];
  setRepo(name: string, repo: FakeHubRepo): void;
  close(): Promise<void>;
}

interface Blob {
  data: Buffer;
  sha256: string;
  file: string;
}

const sha256Of = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * A local stand-in for the Hugging Face hub: `/{repo}/resolve/{revision}/{file}` answers with
 * a redirect to a second server (the "CDN") carrying `x-repo-commit`, `x-linked-etag` and
 * `x-linked-size` like the real hub; the CDN serves bytes with Range support and injectable
 * faults; `/api/models/{repo}/revision/{revision}` lists a repository's files. Every request is
 * recorded so tests can assert what was (not) asked.
 */
export async function startFakeHub(opts: { repos?: Record<string, FakeHubRepo>; token?: string } = {}): Promise<FakeHub> {
  const repos = new Map(Object.entries(opts.repos ?? {}));
  const blobs = new Map<string, Blob>();
  const requests: FakeHubRequest[] = [];
  let downloadsCut = 0;
  let cdnUrl = "";

  const record = (server: FakeHubRequest["server"], req: IncomingMessage) =>
    requests.push({ server, method: req.method ?? "GET", path: req.url ?? "/", range: req.headers.range ?? null, authorization: req.headers.authorization ?? null });

  const commitOf = (name: string, repo: FakeHubRepo) => repo.commit ?? sha256Of(Buffer.from(name)).slice(0, 40);

  /** Answers auth like the hub: a missing repo looks like a private one to anonymous callers. */
  const authError = (req: IncomingMessage, res: ServerResponse, repo: FakeHubRepo | undefined): boolean => {
    const auth = req.headers.authorization ?? null;
    if (!repo) {
      res.writeHead(auth ? 404 : 401, { "x-error-code": "RepoNotFound" }).end("Repository not found");
      return true;
    }
    if (repo.gated && !auth) {
      res.writeHead(401, { "x-error-code": "GatedRepo" }).end("Access to this model is restricted: log in");
      return true;
    }
    if (repo.gated && auth !== `Bearer ${opts.token}`) {
      res.writeHead(403, { "x-error-code": "GatedRepo" }).end("Access to this model is restricted: accept the conditions");
      return true;
    }
    return false;
  };

  const hubHandler = (req: IncomingMessage, res: ServerResponse) => {
    record("hub", req);
    const segments = new URL(req.url ?? "/", "http://hub").pathname.split("/").slice(1).map(decodeURIComponent);
    if (segments[0] === "api" && segments[1] === "models" && segments[4] === "revision") {
      const name = `${segments[2]}/${segments[3]}`;
      const repo = repos.get(name);
      if (authError(req, res, repo)) return;
      const revision = segments.slice(5).join("/");
      if (revision !== "main" && revision !== commitOf(name, repo!)) {
        res.writeHead(404, { "x-error-code": "RevisionNotFound" }).end();
        return;
      }
      const siblings = [".gitattributes", "README.md", ...Object.keys(repo!.files)].map((rfilename) => ({ rfilename }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: name, sha: commitOf(name, repo!), siblings }));
      return;
    }
    if (segments[2] !== "resolve" || segments.length < 5) {
      res.writeHead(404).end();
      return;
    }
    const name = `${segments[0]}/${segments[1]}`;
    const repo = repos.get(name);
    if (authError(req, res, repo)) return;
    const commit = commitOf(name, repo!);
    if (segments[3] !== "main" && segments[3] !== commit) {
      res.writeHead(404, { "x-error-code": "RevisionNotFound" }).end();
      return;
    }
    const file = segments.slice(4).join("/");
    const entry = repo!.files[file];
    if (!entry) {
      res.writeHead(404, { "x-error-code": "EntryNotFound" }).end("Entry not found");
      return;
    }
    const { data, sha256 } = Buffer.isBuffer(entry) ? { data: entry, sha256: undefined } : entry;
    const key = sha256Of(data);
    blobs.set(key, { data, sha256: key, file });
    const reported = sha256 === undefined ? key : sha256;
    res.writeHead(302, {
      location: `${cdnUrl}/blobs/${key}?signature=fake`,
      "x-repo-commit": commit,
      "x-linked-size": String(data.length),
      ...(reported ? { "x-linked-etag": `"${reported}"`, etag: `"${reported}"` } : {}),
    });
    res.end();
  };

  const cdnHandler = (req: IncomingMessage, res: ServerResponse) => {
    record("cdn", req);
    const key = new URL(req.url ?? "/", "http://cdn").pathname.split("/")[2] ?? "";
    const blob = blobs.get(key);
    if (!blob) {
      res.writeHead(404).end();
      return;
    }
    const size = blob.data.length;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (match && !faults.ignoreRange) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { "content-range": `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    res.writeHead(status, {
      "content-length": String(end - start + 1),
      "accept-ranges": "bytes",
      etag: `"${blob.sha256}"`,
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    void send(res, blob.data.subarray(start, end + 1));
  };

  const faults: FakeHubFaults = {};
  const send = async (res: ServerResponse, body: Buffer) => {
    let cutAt = Infinity;
    if (faults.dropAfterBytes !== undefined && downloadsCut < (faults.dropTimes ?? 1)) {
      downloadsCut++;
      cutAt = faults.dropAfterBytes;
    }
    const chunkSize = 16 * 1024;
    for (let sent = 0; sent < body.length; ) {
      if (res.destroyed) return;
      const chunk = body.subarray(sent, Math.min(body.length, sent + chunkSize, cutAt));
      if (chunk.length > 0) {
        const flushed = res.write(chunk);
        sent += chunk.length;
        if (!flushed) await new Promise((resolve) => res.once("drain", resolve));
      }
      if (sent >= cutAt) {
        // Let what was written leave, then drop the connection mid-body.
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      const rate = faults.bytesPerSecond;
      if (rate) await sleep(Math.ceil((chunk.length / rate) * 1000));
    }
    res.end();
  };

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> => {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const hub = await listen(hubHandler);
  const cdn = await listen(cdnHandler);
  cdnUrl = cdn.url;

  return {
    url: hub.url,
    cdnUrl: cdn.url,
    requests,
    get faults() {
      return faults;
    },
    set faults(next: FakeHubFaults) {
      for (const key of Object.keys(faults) as (keyof FakeHubFaults)[]) delete faults[key];
      Object.assign(faults, next);
      downloadsCut = 0;
    },
    downloads: (file) => requests.filter((r) => r.server === "cdn" && r.method === "GET" && (!file || blobs.get(r.path.split("/")[2]?.split("?")[0] ?? "")?.file === file)),
    setRepo: (name, repo) => void repos.set(name, repo),
    async close() {
      for (const { server } of [hub, cdn]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
