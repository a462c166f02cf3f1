import type { PredicateCatalogue, PredicateContext } from "../engine/conditions.js";
import type { FieldValue, Location, Subject } from "../engine/types.js";
import { dataServicePort, isAllInterfaces, isReverseProxyImage, plainHttpRemoteHost } from "./network.js";
import { PROBE_PREDICATES } from "./probe.js";
import {
  clientPrefix,
  databaseUrl,
  estimatedRandomBytes,
  isLowEntropy,
  isPlaceholder,
  isPublicByDesign,
  isSecretName,
  isServerOnlySecretName,
  isSigningSecretName,
  providerSecret,
} from "./secrets.js";

// The catalogue rules call by name (`predicate: placeholder`). Each entry is one small, named,
// unit-tested piece of logic that YAML cannot say. Predicates receive the field's value (or
// undefined when the condition names no field) and the whole subject.

const text = (v: FieldValue): string => (v === null || v === undefined ? "" : String(v));

const DEFAULT_DB_PASSWORDS = new Set([
  "postgres",
  "password",
  "pass",
  "admin",
  "root",
  "mysql",
  "mongo",
  "mongodb",
  "redis",
  "example",
  "secret",
  "changeme",
  "123456",
  "password123",
  "sa",
]);
const SUPERUSERS = new Set(["postgres", "root", "sa", "admin", "administrator", "mongo", "elastic"]);

/** A value that is a real-looking server secret: secret-named and set to something real, or a provider key. */
export function isServerSecretEntry(key: string, value: string): boolean {
  const v = value.trim();
  if (v === "" || isPublicByDesign(v)) return false;
  if (providerSecret(v)) return true;
  if (databaseUrl(v)?.password) return !isPlaceholder(databaseUrl(v)?.password ?? "");
  return isSecretName(key) && !isPlaceholder(v) && !/^\$\{?[A-Za-z_]/.test(v);
}

function isTruthy(v: FieldValue): boolean {
  return /^(true|1|yes|on|y)$/i.test(text(v).trim());
}
function isFalsy(v: FieldValue): boolean {
  return /^(false|0|no|off|n|disabled?)$/i.test(text(v).trim());
}

/**
 * Per-scan indexes over env entries, built on first use: predicates that look across entries
 * (reuse, "first secret in this file") stay linear in the project's size.
 */
interface EnvIndex {
  order: Map<Subject, number>;
  /** value -> secret-named entries in real files holding it, in project order. */
  byValue: Map<string, Subject[]>;
  /** file -> its env-file entries, in line order. */
  byFile: Map<string, Subject[]>;
}
const envIndexes = new WeakMap<readonly Subject[], EnvIndex>();

function envIndex(ctx: PredicateContext): EnvIndex {
  const entries = ctx.subjects("env-entry");
  let index = envIndexes.get(entries);
  if (!index) {
    index = { order: new Map(), byValue: new Map(), byFile: new Map() };
    for (const [i, e] of entries.entries()) {
      index.order.set(e, i);
      const value = text(e.fields.value).trim();
      if (e.fields["file.role"] === "real" && value !== "" && isSecretName(text(e.fields.key))) {
        index.byValue.set(value, [...(index.byValue.get(value) ?? []), e]);
      }
      if (e.fields.origin === "env-file") {
        const file = text(e.fields.file);
        index.byFile.set(file, [...(index.byFile.get(file) ?? []), e]);
      }
    }
    envIndexes.set(entries, index);
  }
  return index;
}

function sameValueEarlier(subject: Subject, ctx: PredicateContext): boolean {
  const key = text(subject.fields.key);
  const value = text(subject.fields.value).trim();
  if (value === "" || !isSecretName(key)) return false;
  const index = envIndex(ctx);
  const mine = index.order.get(subject) ?? -1;
  return (index.byValue.get(value) ?? []).some(
    (other) => (index.order.get(other) ?? 0) < mine && text(other.fields.key) !== key,
  );
}

export const PREDICATES: PredicateCatalogue = {
  secretName: {
    description: "the key names a credential (API_KEY, JWT_SECRET, DB_PASSWORD...), not a path, id or switch",
    fn: (v) => isSecretName(text(v)),
  },
  serverOnlySecretName: {
    description:
      "the key names something that must stay server-side (SECRET, PRIVATE, PASSWORD, SERVICE_ROLE, ADMIN, DATABASE_URL)",
    fn: (v) => isServerOnlySecretName(text(v)),
  },
  signingSecretName: {
    description: "the key holds a signing or encryption secret (SECRET_KEY, JWT_SECRET, SESSION_SECRET...)",
    fn: (v) => isSigningSecretName(text(v)),
  },
  clientExposed: {
    description: "the key has a prefix that bundlers inline into client code (VITE_, NEXT_PUBLIC_...)",
    fn: (v) => clientPrefix(text(v)) !== undefined,
  },
  providerSecret: {
    description:
      "the value has the format of a provider's secret key, a service_role JWT or a DB URL with a password",
    fn: (v) => providerSecret(text(v)) !== undefined,
  },
  publicByDesign: {
    description:
      "the value is public by design (Stripe pk_, Supabase anon JWT, Firebase web key, Sentry DSN, PostHog key)",
    fn: (v) => isPublicByDesign(text(v)),
  },
  placeholder: {
    description: "the value is a placeholder (changeme, your-secret-key-here, <token>, xxx, secret...)",
    fn: (v) => isPlaceholder(text(v)),
  },
  lowEntropy: {
    description: "the value is too predictable to be a key (few distinct characters or < 3 bits/char)",
    fn: (v) => text(v).trim() !== "" && isLowEntropy(text(v)),
  },
  fewRandomBytes: {
    description: "the value holds fewer than args.minBytes (default 32) bytes of randomness for its alphabet",
    fn: (v, _s, _c, args) => {
      const min = typeof args.minBytes === "number" ? args.minBytes : 32;
      const t = text(v).trim();
      return t !== "" && estimatedRandomBytes(t) < min;
    },
  },
  wildcardOrigin: {
    description: "an origin list containing `*`: bare, comma/space separated, or a JSON array",
    fn: (v) =>
      text(v)
        .replace(/^\s*\[|\]\s*$/g, "")
        .split(/[\s,]+/)
        .some((o) => o.replace(/^["']|["']$/g, "") === "*"),
  },
  truthy: { description: "true, 1, yes, on", fn: (v) => isTruthy(v) },
  falsy: { description: "false, 0, no, off, disabled", fn: (v) => isFalsy(v) },
  allInterfaces: {
    description: "a host/IP that listens on every interface: empty (compose default), 0.0.0.0, ::, *",
    fn: (v) => isAllInterfaces(text(v)),
  },
  dataServicePort: {
    description: "a database, cache, queue or model-server port (5432, 6379, 27017, 11434...)",
    fn: (v) => dataServicePort(text(v)) !== undefined,
  },
  reverseProxyEntry: {
    description:
      "a reverse proxy image (nginx, caddy, traefik, haproxy) publishing 80 or 443: its intended entry",
    fn: (_v, s) => isReverseProxyImage(text(s.fields.image)) && ["80", "443"].includes(text(s.fields.target)),
  },
  plainHttpRemoteUrl: {
    description: "an http:// URL whose host leaves the private network",
    fn: (v) => plainHttpRemoteHost(text(v)) !== undefined,
  },
  dbUrlTlsDisabled: {
    description: "a database URL to a remote host with sslmode=disable / ssl=false / tls=false",
    fn: (v) => {
      const db = databaseUrl(text(v));
      if (!db || plainHttpRemoteHost(`http://${db.host}`) === undefined) return false;
      const p = db.params;
      return p.get("sslmode") === "disable" || /^(false|0)$/i.test(p.get("ssl") ?? p.get("tls") ?? "");
    },
  },
  defaultDbPassword: {
    description: "a well-known default database password (postgres, password, root, admin, example...)",
    fn: (v) => DEFAULT_DB_PASSWORDS.has(text(v).trim().toLowerCase()),
  },
  dbUrlDefaultCredentials: {
    description: "a database URL whose password is a well-known default",
    fn: (v) => {
      const db = databaseUrl(text(v));
      return db !== undefined && DEFAULT_DB_PASSWORDS.has(db.password.toLowerCase());
    },
  },
  dbUrlSuperuser: {
    description: "a database URL that logs in as the superuser (postgres, root, sa...)",
    fn: (v) => {
      const db = databaseUrl(text(v));
      return db !== undefined && SUPERUSERS.has(db.user.toLowerCase());
    },
  },
  superuserName: {
    description: "a database superuser name (postgres, root, sa, admin)",
    fn: (v) => SUPERUSERS.has(text(v).trim().toLowerCase()),
  },
  reusedSecret: {
    description: "an earlier secret variable with another name holds the same value (in real env files)",
    fn: (_v, s, ctx) => sameValueEarlier(s, ctx),
  },
  firstServerSecret: {
    description: "(env-file) the file holds a server-side secret; points at the first one",
    fn: (_v, s, ctx): boolean | Location => {
      for (const entry of envIndex(ctx).byFile.get(text(s.fields.file)) ?? []) {
        if (isServerSecretEntry(text(entry.fields.key), text(entry.fields.value))) return entry.location;
      }
      return false;
    },
  },
  unpinnedImage: {
    description: "an image with no tag, or the moving `latest` tag, and no digest",
    fn: (v) => {
      const image = text(v).trim();
      if (image === "" || image.includes("@sha256:") || image.includes("${")) return false;
      const name = image.slice(image.lastIndexOf("/") + 1);
      return !name.includes(":") || /:latest$/i.test(name);
    },
  },
  dockerSocket: {
    description: "a volume that mounts the Docker socket",
    fn: (v) => /(^|:|\/)(var\/)?run\/docker\.sock(:|$)/.test(text(v)),
  },
  dangerousCapability: {
    description:
      "a capability that gives a container host-level power (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE...)",
    fn: (v) =>
      /^(CAP_)?(ALL|SYS_ADMIN|NET_ADMIN|SYS_PTRACE|SYS_MODULE|SYS_RAWIO|DAC_READ_SEARCH|BPF|PERFMON)$/i.test(
        text(v).trim(),
      ),
  },
  ...PROBE_PREDICATES,
};
