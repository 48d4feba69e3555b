/**
 * The floor of `pnpm bench:gateway`: the least any Node.js gateway does per request, and nothing
 * more. It reads the body, parses it, forwards it over kept-alive undici connections (the client
 * the gateway uses), parses the answer and sends it back: no auth, no limits, no usage events, no
 * framework. Run as a child process with the upstream's origin as its argument; prints
 * `{"port":N}` once listening.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const upstream = new Pool(process.argv[2]!, { connections: 128 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    JSON.parse(body.toString("utf8"));
    try {
      const answer = await upstream.request({ path: "/v1/chat/completions", method: "POST", body, headers: { "content-type": "application/json" } });
      const out = Buffer.from(await answer.body.arrayBuffer());
      JSON.parse(out.toString("utf8"));
      res.writeHead(answer.statusCode, { "content-type": "application/json", "content-length": out.length });
      res.end(out);
    } catch {
      res.writeHead(502).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
