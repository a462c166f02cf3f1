import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent } from "undici";
import type { TlsMaterial } from "./listen.js";

/**
 * A throwaway certificate authority and four leaf certificates signed by it, made with the openssl
 * CLI. Every leaf is an EC P-256 key with CN=localhost.
 *
 * - valid:        SAN DNS:localhost, IP:127.0.0.1; notBefore = now - 1 h, notAfter = now + 30 days
 * - expired:      same SAN; notBefore = now - 60 days, notAfter = now - 2 days
 * - soonExpiring: same SAN; notBefore = now - 1 h, notAfter = now + 5 days
 * - wrongName:    SAN DNS:wrong.example only (valid 30 days): fails hostname checks for 127.0.0.1
 *
 * How the past dates are made: OpenSSL here is 3.0 (`x509 -not_before/-not_after` only arrived in
 * 3.4, and `x509 -days` refuses negative values), so the leaves are issued with `openssl ca`, whose
 * `-startdate`/`-enddate` take any UTCTime, past or future. It needs only a tiny config, an empty
 * index.txt, a serial file and `-rand_serial`, and works the same on OpenSSL 1.1.1 to 3.x.
 *
 * How a client trusts the CA: undici `new Agent({ connect: { ca: pki.caCert } })` passed as
 * `dispatcher` to undici's `fetch` (see `trustingAgent`), or `{ ca: pki.caCert }` in node:https /
 * node:tls options. Connect to `https://127.0.0.1:<port>` (the SAN has IP:127.0.0.1).
 */
export interface TestPki {
  /** The CA certificate (PEM): the only thing a client needs to trust. */
  caCert: string;
  valid: TlsMaterial;
  expired: TlsMaterial;
  soonExpiring: TlsMaterial;
  wrongName: TlsMaterial;
  /** The folder holding ca.pem, <leaf>.key, <leaf>.pem: only when makeTestPki was given one. */
  dir?: string;
}

const cache = new Map<string, TestPki>();
const DAY_MS = 86_400_000;

/** openssl's UTCTime: YYMMDDHHMMSSZ. */
function utcTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(
    d.getUTCMinutes(),
  )}${p(d.getUTCSeconds())}Z`;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 20_000 });
  if (r.error) throw new Error(`openssl ${args[0]} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} exited with ${r.status}:\n${r.stderr}${r.stdout}`);
  }
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

const caConfig = (dir: string): string => `
[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = ${dir}
database         = ${dir}/index.txt
serial           = ${dir}/serial
new_certs_dir    = ${dir}/issued
certificate      = ${dir}/ca.pem
private_key      = ${dir}/ca.key
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no

[ policy_any ]
commonName = supplied

[ leaf_localhost ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost, IP:127.0.0.1

[ leaf_wrong_name ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:wrong.example
`;

function generate(dir: string): TestPki {
  mkdirSync(path.join(dir, "issued"), { recursive: true });
  writeFileSync(path.join(dir, "index.txt"), "");
  writeFileSync(path.join(dir, "serial"), "1000\n"); // required by OpenSSL 3.0 even with -rand_serial
  writeFileSync(path.join(dir, "ca.cnf"), caConfig(dir));
  openssl(
    [
      "req",
      "-x509",
      ...EC_KEY,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "3650",
      "-subj",
      "/CN=secaudit throwaway test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  const now = Date.now();
  const leaf = (name: string, ext: string, notBefore: number, notAfter: number): TlsMaterial => {
    openssl(
      ["req", "-new", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", "/CN=localhost"],
      dir,
    );
    openssl(
      [
        "ca",
        "-batch",
        "-notext",
        "-rand_serial",
        "-config",
        "ca.cnf",
        "-extensions",
        ext,
        "-in",
        `${name}.csr`,
        "-out",
        `${name}.pem`,
        "-startdate",
        utcTime(new Date(notBefore)),
        "-enddate",
        utcTime(new Date(notAfter)),
      ],
      dir,
    );
    return {
      key: readFileSync(path.join(dir, `${name}.key`), "utf8"),
      cert: readFileSync(path.join(dir, `${name}.pem`), "utf8"),
    };
  };
  const hourAgo = now - 3_600_000;
  return {
    caCert: readFileSync(path.join(dir, "ca.pem"), "utf8"),
    valid: leaf("valid", "leaf_localhost", hourAgo, now + 30 * DAY_MS),
    expired: leaf("expired", "leaf_localhost", now - 60 * DAY_MS, now - 2 * DAY_MS),
    soonExpiring: leaf("soon-expiring", "leaf_localhost", hourAgo, now + 5 * DAY_MS),
    wrongName: leaf("wrong-name", "leaf_wrong_name", hourAgo, now + 30 * DAY_MS),
  };
}

/**
 * The test PKI, generated once per process (per `dir`), synchronously (about 0.1 s of openssl).
 * With `dir`, the files stay there (created if missing). Without it, they are made in a temp folder
 * that is deleted at once: everything is returned as PEM strings.
 */
export function makeTestPki(dir?: string): TestPki {
  const key = dir === undefined ? "" : path.resolve(dir);
  const cached = cache.get(key);
  if (cached) return cached;
  let pki: TestPki;
  if (dir === undefined) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-pki-"));
    try {
      pki = generate(tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } else {
    pki = { ...generate(key), dir: key };
  }
  cache.set(key, pki);
  return pki;
}

/** An undici dispatcher that trusts the test CA: `fetch(url, { dispatcher: trustingAgent(pki.caCert) })`. */
export function trustingAgent(caCert: string): Agent {
  return new Agent({ connect: { ca: caCert } });
}
