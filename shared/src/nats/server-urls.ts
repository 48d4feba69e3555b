/** What `connect()` needs from NATS_URL. */
interface NatsServerOptions {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Set for `tls://` servers: the connection fails unless the server speaks TLS. */
  tls?: Record<string, never>;
}

/**
 * Reads NATS_URL the way other NATS clients do: a comma list of servers, each of which may carry
 * `user:password@` or `token@` (URL-encoded) and the `tls://` scheme. nats.js takes credentials and
 * TLS only as options, so they are lifted out here; the servers keep only host and port. Without
 * `tls://` the client still upgrades to TLS when the server requires it (trusted CAs: the system's,
 * plus NODE_EXTRA_CA_CERTS).
 */
export function natsServerOptions(natsUrl: string): NatsServerOptions {
  const options: NatsServerOptions = { servers: [] };
  for (const entry of natsUrl.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (!/^[a-z]+:\/\//i.test(entry)) {
      options.servers.push(entry);
      continue;
    }
    const url = new URL(entry);
    if (url.protocol === "tls:") options.tls = {};
    if (url.username && options.user === undefined && options.token === undefined) {
      const name = decodeURIComponent(url.username);
      if (url.password) {
        options.user = name;
        options.pass = decodeURIComponent(url.password);
      } else {
        options.token = name;
      }
    }
    options.servers.push(`${url.protocol === "tls:" ? "nats:" : url.protocol}//${url.host}`);
  }
  return options;
}

/** NATS_URL for logs and messages: credentials replaced, so a printed URL never carries a secret. */
export function redactNatsUrl(natsUrl: string): string {
  return natsUrl.replace(/(\/\/)[^@/,]+@/g, "$1***@");
}
