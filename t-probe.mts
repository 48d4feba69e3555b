import { pino } from "pino";
import { connectNats, closeNats } from "@lantern/shared/nats";
const logger = pino({ level: "silent" });
for (const url of ["tls://worker:b2@localhost:14777", "nats://worker:b2@127.0.0.1:14777", "tls://worker:bad@localhost:14777"]) {
  try { const { nc } = await connectNats({ url, name: "p", logger }); console.log("OK", url, nc.info?.tls_required); await closeNats(nc); } catch (e) { console.log("FAIL", url, (e as Error).message); }
}
