import { checkServerIdentity, connect, type PeerCertificate, type SecureVersion } from "node:tls";

export interface TlsFacts {
  /** The chain verifies against the trusted CAs (system + NODE_EXTRA_CA_CERTS + `ca`). */
  authorized: boolean;
  /** Why not: expired, self-signed, unknown issuer, wrong name... */
  problem?: string;
  validTo?: string;
  daysLeft?: number;
  protocol?: string;
  /** Protocol versions below TLS 1.2 the server agreed to. */
  legacyAccepted: string[];
}

interface Handshake {
  ok: boolean;
  authorized: boolean;
  authorizationError?: string;
  cert?: PeerCertificate;
  protocol?: string;
}

function handshake(
  host: string,
  port: number,
  timeoutMs: number,
  options: { ca?: string; minVersion?: SecureVersion; maxVersion?: SecureVersion; ciphers?: string },
): Promise<Handshake> {
  return new Promise((resolve) => {
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
    const socket = connect({
      host,
      port,
      servername,
      rejectUnauthorized: false,
      ca: options.ca,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers,
    });
    const done = (h: Handshake) => {
      socket.destroy();
      resolve(h);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, authorized: false, authorizationError: "timeout" }));
    socket.once("secureConnect", () =>
      done({
        ok: true,
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        cert: socket.getPeerCertificate(),
        protocol: socket.getProtocol() ?? undefined,
      }),
    );
    socket.once("error", (err: NodeJS.ErrnoException) =>
      done({ ok: false, authorized: false, authorizationError: err.code ?? err.message }),
    );
  });
}

/** Certificate validity, name, expiry, and whether TLS 1.0/1.1 are still accepted. */
export async function inspectTls(
  host: string,
  port: number,
  timeoutMs: number,
  ca?: string,
): Promise<TlsFacts | string> {
  const main = await handshake(host, port, timeoutMs, { ca });
  if (!main.ok) return `TLS handshake failed (${main.authorizationError ?? "error"})`;
  const facts: TlsFacts = { authorized: main.authorized, protocol: main.protocol, legacyAccepted: [] };
  if (!main.authorized) facts.problem = main.authorizationError;
  if (main.cert?.valid_to) {
    facts.validTo = new Date(main.cert.valid_to).toISOString();
    facts.daysLeft = Math.floor((Date.parse(main.cert.valid_to) - Date.now()) / 86_400_000);
  }
  if (main.cert && main.authorized) {
    const nameError = checkServerIdentity(host, main.cert);
    if (nameError) {
      facts.authorized = false;
      facts.problem = "ERR_TLS_CERT_ALTNAME_INVALID";
    }
  }
  for (const version of ["TLSv1", "TLSv1.1"] as const) {
    // SECLEVEL=0: OpenSSL 3 refuses these versions client-side otherwise, and we want the server's answer.
    const legacy = await handshake(host, port, timeoutMs, {
      ca,
      minVersion: version,
      maxVersion: version,
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    if (legacy.ok) facts.legacyAccepted.push(version);
  }
  return facts;
}
