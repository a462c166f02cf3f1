// What a secret looks like: names, provider formats, placeholders, entropy. Pure functions,
// each unit-tested in test/predicates.test.ts; rules reach them by name through the catalogue.

/** Prefixes that bundlers inline into client code: anything under them ships to every browser. */
export const CLIENT_PREFIXES = [
  "VITE_",
  "NEXT_PUBLIC_",
  "REACT_APP_",
  "EXPO_PUBLIC_",
  "NUXT_PUBLIC_",
  "NUXT_ENV_",
  "PUBLIC_",
  "GATSBY_",
  "VUE_APP_",
  "STORYBOOK_",
] as const;

export function clientPrefix(key: string): string | undefined {
  const upper = key.toUpperCase();
  return CLIENT_PREFIXES.find((p) => upper.startsWith(p));
}

const SECRET_WORD =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|(^|_)PASS$|(^|_)PWD$|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|SERVICE_?ROLE|CREDENTIAL|(^|_)KEY$|(^|_)SALT$|(^|_)DSN$|DATABASE_URL|(^|_)(DB|MONGO|MONGODB|REDIS|POSTGRES|MYSQL)_URL|CONNECTION_STRING)/;
// Switches about a secret (REQUIRE_API_KEY=true) are not secrets.
const SWITCH_PREFIX =
  /^(REQUIRE|REQUIRES|ENABLE|ENABLED|DISABLE|DISABLED|USE|ALLOW|SKIP|NO|IS|HAS|SHOW|VALIDATE|VERIFY)_/;
// Names that mention a secret but hold something else: a path, an id, a length, a switch.
const NOT_A_SECRET_VALUE =
  /(_URL_PATH|_PATH|_FILE|_DIR|_ID|_IDS|_NAME|_HEADER|_EXPIRE[SD]?|_EXPIRY|_EXPIRES_IN|_TTL|_LIFETIME|_LENGTH|_MIN_LEN|_ALGORITHM|_ALG|_ENABLED|_REQUIRED|_TYPE|_PROVIDER|_MODE|_HOST|_PORT|_REGION|_BUCKET|_ENDPOINT|_USER|_USERNAME|_VERSION|_PREFIX|_FIELD|_PARAM|_LIMIT|_COUNT|_TIMEOUT|PUBLISHABLE|PUBLIC_?KEY|MAX_TOKENS|_TOKENS$|TOKENIZER|TOKEN_URL|TOKEN_URI|AUTH_URL|KEY_URL|_ISSUER|_AUDIENCE|_SCOPES?|_COLUMN)$/;

/**
 * Remember a pure function's answers by a string key: the same names and values come back for every
 * rule and every file (API_KEY in every .env of a monorepo). Bounded: cleared when full.
 */
function memo<T>(fn: (key: string) => T, max = 20_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    if (cache.size >= max) cache.clear();
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}

/** A variable whose name says it holds a credential (API_KEY, JWT_SECRET, DB_PASSWORD...). */
export const isSecretName: (key: string) => boolean = memo((key) => {
  const upper = key.toUpperCase();
  if (NOT_A_SECRET_VALUE.test(upper) || SWITCH_PREFIX.test(upper) || upper.includes("PUBLISHABLE"))
    return false;
  return SECRET_WORD.test(upper);
});

/** Names that are secret even in a client variable's eyes: these must never be client-exposed. */
export function isServerOnlySecretName(key: string): boolean {
  // Judge the name without its client prefix: VITE_SHOW_ADMIN_PANEL is SHOW_ADMIN_PANEL.
  const prefix = clientPrefix(key) ?? "";
  const upper = key.toUpperCase().slice(prefix.length);
  if (upper.includes("PUBLISHABLE") || /PUBLIC_?KEY$/.test(upper) || /ANON_?KEY$/.test(upper)) return false;
  if (
    SWITCH_PREFIX.test(upper) ||
    NOT_A_SECRET_VALUE.test(upper) ||
    /_(EMAIL|ROUTE|PANEL|PAGE|LABEL|TITLE|TEXT|HINT)$/.test(upper)
  ) {
    return false;
  }
  // ADMIN alone names a page or a feature; only an admin credential is a secret.
  return /(SECRET|PRIVATE_?KEY|PASSWORD|PASSWD|SERVICE_?ROLE|ADMIN_(API_)?(KEY|TOKEN|PASSWORD|SECRET)|DATABASE_URL|(^|_)DB_URL|(^|_)DB_PASS|CONNECTION_STRING|SIGNING_(KEY|SECRET))/.test(
    upper,
  );
}

/** Keys whose value signs or encrypts (sessions, JWTs, cookies): these need 32 bytes of randomness. */
export function isSigningSecretName(key: string): boolean {
  // Anchored: STRIPE_SECRET_KEY is a provider's key (its strength is the provider's business),
  // SECRET_KEY / JWT_SECRET are ours to generate.
  const upper = key.toUpperCase();
  return (
    /^(SECRET|SECRET_KEY|SECRET_KEY_BASE|APP_KEY|APP_SECRET|APP_SECRET_KEY)$/.test(upper) ||
    /^(DJANGO|FLASK|RAILS|LARAVEL|JWT|JWT_ACCESS|JWT_REFRESH|ACCESS_TOKEN|REFRESH_TOKEN|SESSION|COOKIE|CSRF|AUTH|NEXTAUTH|BETTER_AUTH|SIGNING|HMAC|TOKEN|ENCRYPTION|WEBHOOK_SIGNING)_(SECRET|SECRET_KEY|KEY)$/.test(
      upper,
    )
  );
}

interface ProviderFormat {
  provider: string;
  pattern: RegExp;
  /**
   * What every key of the format contains, led by a literal (gitleaks' keywords): the cheap test a
   * whole file passes before `pattern` runs over it. A test checks that each format's keys match it.
   */
  keyword: RegExp;
}

// Provider key formats, anchored to the whole value: a finding needs the value to BE a key.
const PROVIDER_SECRETS: readonly ProviderFormat[] = [
  { provider: "Stripe secret key", pattern: /^sk_(live|test)_[0-9A-Za-z]{10,}$/, keyword: /sk_(live|test)_/ },
  {
    provider: "Stripe restricted key",
    pattern: /^rk_(live|test)_[0-9A-Za-z]{10,}$/,
    keyword: /rk_(live|test)_/,
  },
  { provider: "Stripe webhook secret", pattern: /^whsec_[0-9A-Za-z+/=]{20,}$/, keyword: /whsec_/ },
  {
    provider: "Anthropic API key",
    pattern: /^sk-ant-(api|admin)\d{2}-[A-Za-z0-9_-]{20,}$/,
    keyword: /sk-ant-/,
  },
  { provider: "OpenAI API key", pattern: /^sk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}$/, keyword: /sk-/ },
  { provider: "Hugging Face token", pattern: /^hf_[A-Za-z0-9]{30,}$/, keyword: /hf_/ },
  {
    provider: "GitHub token",
    pattern: /^(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})$/,
    keyword: /gh[pousr]_|github_pat_/,
  },
  { provider: "Replicate API token", pattern: /^r8_[A-Za-z0-9]{30,}$/, keyword: /r8_/ },
  {
    provider: "fal.ai API key",
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{32}$/,
    // Led by the dash before the last UUID group: a class-led keyword would be tried at every hex digit.
    keyword: /-[0-9a-f]{12}:/,
  },
  { provider: "Groq API key", pattern: /^gsk_[A-Za-z0-9]{40,}$/, keyword: /gsk_/ },
  { provider: "xAI API key", pattern: /^xai-[A-Za-z0-9]{40,}$/, keyword: /xai-/ },
  { provider: "Google OAuth client secret", pattern: /^GOCSPX-[A-Za-z0-9_-]{20,}$/, keyword: /GOCSPX-/ },
  { provider: "Slack token", pattern: /^xox[abposr]-[A-Za-z0-9-]{10,}$/, keyword: /xox[abposr]-/ },
  { provider: "SendGrid API key", pattern: /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, keyword: /SG\./ },
  { provider: "AWS access key id", pattern: /^(AKIA|ASIA)[0-9A-Z]{16}$/, keyword: /AKIA|ASIA/ },
  { provider: "private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, keyword: /-----BEGIN / },
];

/**
 * Any provider format somewhere in a text (unanchored): the keyword prefilter for hard-coded keys in
 * source files. A hit only means "parse this file and look at its string literals".
 */
export const PROVIDER_SECRET_IN_TEXT = new RegExp(
  // Each format starts at a token boundary: `disk-usage-monitoring-service` is not an `sk-` key.
  `(?<![A-Za-z0-9_-])(?:${PROVIDER_SECRETS.map(({ pattern }) => pattern.source.replace(/^\^/, "").replace(/\$$/, "")).join("|")})`,
);

/** Any provider's keyword: ~5x cheaper over a whole file than PROVIDER_SECRET_IN_TEXT (no lookbehind, no class-led branch). */
export const PROVIDER_KEYWORDS = new RegExp(PROVIDER_SECRETS.map(({ keyword }) => keyword.source).join("|"));

/** Whether a text holds a provider key format anywhere (keywords first, the formats only on a hit). */
export function mentionsProviderSecret(text: string): boolean {
  return PROVIDER_KEYWORDS.test(text) && PROVIDER_SECRET_IN_TEXT.test(text);
}

/** Every provider format with its keyword (tests check that each key contains its keyword). */
export const PROVIDER_FORMATS: ReadonlyArray<Readonly<ProviderFormat>> = PROVIDER_SECRETS;

/** The provider whose secret-key format this value has, if any (public-by-design keys excluded). */
export function providerSecret(value: string): string | undefined {
  const v = value.trim();
  if (isPublicByDesign(v)) return undefined;
  for (const { provider, pattern } of PROVIDER_SECRETS) if (pattern.test(v)) return provider;
  if (jwtRole(v) === "service_role") return "Supabase service_role JWT";
  const password = databaseUrl(v)?.password ?? "";
  // A password that is a variable reference (`${DB_PASSWORD}`) is filled in elsewhere.
  if (password && !/^\$\{?[A-Za-z_]/.test(password)) return "database URL with a password";
  return undefined;
}

/** Values made to be shipped to browsers: Stripe pk_, Supabase anon JWTs, Firebase web keys, DSNs. */
export function isPublicByDesign(value: string): boolean {
  const v = value.trim();
  if (/^pk_(live|test)_[0-9A-Za-z]+$/.test(v)) return true;
  if (/^AIza[0-9A-Za-z_-]{35}$/.test(v)) return true; // Firebase / Maps browser key: restricted by referrer
  if (/^phc_[A-Za-z0-9]{20,}$/.test(v)) return true; // PostHog project key
  if (/^https:\/\/[0-9a-f]{16,}@[a-z0-9.-]*sentry\.io\/\d+$/.test(v)) return true; // Sentry DSN
  const role = jwtRole(v);
  return role === "anon";
}

/** The `role` claim of a JWT (Supabase marks anon vs service_role keys this way). */
export function jwtRole(value: string): string | undefined {
  const parts = value.trim().split(".");
  if (parts.length !== 3 || !parts[0]?.startsWith("eyJ")) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    if (payload && typeof payload === "object" && "role" in payload && typeof payload.role === "string") {
      return payload.role;
    }
  } catch {
    // not a JWT after all
  }
  return undefined;
}

export interface DatabaseUrl {
  scheme: string;
  user: string;
  password: string;
  host: string;
  params: URLSearchParams;
}

export function databaseUrl(value: string): DatabaseUrl | undefined {
  const m =
    /^(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver)(?:\+[a-z0-9]+)?:\/\//i.exec(
      value.trim(),
    );
  if (!m) return undefined;
  try {
    const url = new URL(value.trim());
    return {
      scheme: (m[1] ?? "").toLowerCase(),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      host: url.hostname,
      params: url.searchParams,
    };
  } catch {
    return undefined;
  }
}

const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  /^<.*>$/,
  /^\[.*\]$/,
  /^\{\{.*\}\}$/,
  /^x{3,}$/,
  /^\.{3,}$/,
  /^\*+$/,
  /^(change[-_ ]?(me|this|it)|replace[-_ ]?(me|this)|to[-_ ]?do|tbd|fixme|placeholder|dummy|sample|example|default|insecure|none|null|undefined|test|testing)$/,
  /^(secret|password|passwd|pass|admin|root|token|key|apikey|api[-_]key|letmein|qwerty|abc123|welcome|guest|user)\d*!?$/,
  /^(my|super|top|very)[-_]?(secret|password|key|token)\d*$/,
  /^your[-_ ].*/,
  /^(insert|put|add|enter|set)[-_ ].*(here|key|secret|token|password)/,
  /(^|[-_])(here|placeholder|changeme|change[-_]me|replace[-_]me)$/,
  /^django-insecure-/,
  /^(sk|pk|rk)_(live|test)_(\.{3}|x+|\*+)$/,
  /^(.)\1{5,}$/,
  /^(0?123456?7?8?9?0?|1234|12345678|87654321)$/,
];

/** A value that stands for "put the real secret here" (changeme, your-secret-key-here, <token>, xxx). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === "") return false;
  return PLACEHOLDER_PATTERNS.some((p) => p.test(v));
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Bytes of randomness a value can hold at most, judging by its alphabet: 64 hex characters are
 * 32 bytes, 43 base64url characters are 32 bytes. An upper bound: "aaaa..." scores high here
 * and is caught by the entropy check instead.
 */
export function estimatedRandomBytes(value: string): number {
  const v = value.trim();
  let alphabet = 0;
  if (/^[0-9a-f]+$/i.test(v)) alphabet = 16;
  else if (/^[0-9A-Za-z]+$/.test(v)) alphabet = 62;
  else if (/^[0-9A-Za-z+/=_-]+$/.test(v)) alphabet = 64;
  else alphabet = 94;
  return (v.length * Math.log2(alphabet)) / 8;
}

/** Too predictable to be a key: few distinct characters, or an English-like low-entropy string. */
export function isLowEntropy(value: string): boolean {
  const v = value.trim();
  if (v.length < 6) return true;
  if (providerSecret(v)) return false;
  const distinct = new Set(v).size;
  if (distinct <= 4) return true;
  return shannonEntropy(v) < 3.0;
}

/**
 * Everything shown to a user passes through here: at most the first 4 characters, never more
 * than a quarter of the value, then a fixed mask (its length says nothing about the secret's).
 */
export function maskSecret(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}****`;
}

const PLAINLY_PUBLIC =
  /^(true|false|yes|no|on|off|none|null|development|production|staging|test|debug|info|warn|warning|error|\*|-?\d+(\.\d+)?|\d{1,3}(\.\d{1,3}){3}(:\d+)?|::1?|\[::1?\](:\d+)?|localhost(:\d+)?)$/i;

/**
 * Whether a value must be masked wherever it is shown. Conservative: anything under a secret
 * name, and anything that is not plainly a flag, number, address or credential-free URL.
 */
export function mayBeSecret(key: string, value: string): boolean {
  // Long values (certificates, JSON blobs) are rare and would make the cache heavy: judged each time.
  if (key.length + value.length > 512) return judgeMayBeSecret(key, value);
  return mayBeSecretMemo(`${key}\0${value}`);
}

const mayBeSecretMemo = memo((keyAndValue) => {
  const cut = keyAndValue.indexOf("\0");
  return judgeMayBeSecret(keyAndValue.slice(0, cut), keyAndValue.slice(cut + 1));
});

function judgeMayBeSecret(key: string, value: string): boolean {
  const v = value.trim();
  if (v === "") return false;
  if (isSecretName(key) || providerSecret(v)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:[^@\s]+@/i.test(v)) return true; // a URL with a password
  if (PLAINLY_PUBLIC.test(v)) return false;
  const items = v
    .replace(/^\[|\]$/g, "")
    .split(/[\s,]+/)
    .map((s) => s.replace(/^["']|["']$/g, ""))
    .filter(Boolean);
  if (items.length > 0 && items.every((s) => PLAINLY_PUBLIC.test(s) || isCredentialFreeUrl(s))) return false;
  // Under a name that says nothing, only a long random-looking value is treated as a secret.
  return v.length >= 16 && !/\s/.test(v) && shannonEntropy(v) >= 3.5;
}

function isCredentialFreeUrl(s: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return false;
  try {
    const u = new URL(s);
    return u.password === "" && u.username === "";
  } catch {
    return false;
  }
}

/**
 * The part of a value to mask: a URL's password alone when it has one, else the whole value.
 * The password is taken as written (percent-encoded), since that is what evidence lines show.
 */
export function secretPartOf(value: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/i.exec(value.trim());
  return m?.[1] ?? value;
}
