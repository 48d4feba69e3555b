import type { ModelManifest } from "@lantern/shared/contracts";

export interface LeadResult {
  manifest: ModelManifest;
  downloadedBytes: number;
}

/** One file being downloaded in this process, which other pulls of the same file join. */
export class ActiveDownload {
  /** Bytes of the file on disk so far. */
  bytes = 0;
  readonly result: Promise<LeadResult>;
  settle!: { resolve(result: LeadResult): void; reject(err: unknown): void };

  constructor(
    readonly leaderPullId: string,
    readonly totalBytes: number | null,
  ) {
    this.result = new Promise<LeadResult>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Joiners await it; without one a failure must not surface as an unhandled rejection.
    this.result.catch(() => {});
  }
}

/** Downloads under way in this process by (repository, commit or revision, file). */
export class ActiveDownloads {
  private readonly byKey = new Map<string, ActiveDownload>();

  static key(repo: string, commitOrRevision: string, file: string): string {
    return `${repo}@${commitOrRevision}:${file}`;
  }

  get(key: string): ActiveDownload | undefined {
    return this.byKey.get(key);
  }

  /** Registers a download; call the returned function once it has settled. */
  start(key: string, download: ActiveDownload): () => void {
    this.byKey.set(key, download);
    return () => {
      if (this.byKey.get(key) === download) this.byKey.delete(key);
    };
  }
}
