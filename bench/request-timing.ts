import { Agent, request } from "node:http";

/** One kept-alive connection, as a single client holds it: request timings without connection setup. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Target {
  url: string;
  headers: Record<string, string>;
  /** The process that answers this target's requests, for its CPU time. */
  pid?: number;
}

/** Time of one plain request, from sending it to the end of its body (ms). */
export function timeRequest(target: Target, body: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(target.url, { method: "POST", agent, headers: target.headers }, (res) => {
      res.on("data", () => {});
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface StreamTiming {
  /** From sending the request to the first content chunk (ms). */
  firstChunkMs: number;
  /** Mean gap between content chunks from the first to the last (µs). */
  perChunkUs: number;
  chunks: number;
}

/** Times one streamed request: when each content chunk arrived. */
export function timeStream(target: Target, body: string): Promise<StreamTiming> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(target.url, { method: "POST", agent, headers: target.headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
      let first = 0;
      let last = 0;
      let chunks = 0;
      res.on("data", (data: Buffer) => {
        // Content chunks only: the role chunk, finish, usage and [DONE] carry no `"content":" `.
        let at = data.indexOf('"content":" ');
        if (at === -1) return;
        const now = performance.now();
        while (at !== -1) {
          chunks++;
          at = data.indexOf('"content":" ', at + 1);
        }
        if (first === 0) first = now;
        last = now;
      });
      res.on("end", () => resolve({ firstChunkMs: first - t0, perChunkUs: chunks > 1 ? ((last - first) * 1000) / (chunks - 1) : Number.NaN, chunks }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
