// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose `${VAR}` syntax is the input under test

import { describe, expect, it } from "vitest";
import type { PredicateContext, PredicateEntry } from "../src/engine/conditions.js";
import type { FieldValue, Subject } from "../src/engine/types.js";
import { PREDICATES } from "../src/predicates/index.js";
import {
  dataServicePort,
  isAllInterfaces,
  isLocalHost,
  isReverseProxyImage,
  plainHttpRemoteHost,
} from "../src/predicates/network.js";
import {
  estimatedRandomBytes,
  isLowEntropy,
  isPlaceholder,
  isPublicByDesign,
  isSecretName,
  jwtRole,
  maskSecret,
  mayBeSecret,
  mentionsProviderSecret,
  PROVIDER_FORMATS,
  PROVIDER_SECRET_IN_TEXT,
  providerSecret,
  secretPartOf,
} from "../src/predicates/secrets.js";
import { parsePort } from "../src/sources/compose.js";
import { fileRole, isProductionName, parseEnvText } from "../src/sources/env.js";
import { GitignoreStack } from "../src/sources/gitignore.js";
import { interpolate } from "../src/sources/interpolate.js";
import { KEY_HINTS } from "../src/sources/key-tokens.js";
import { ALNUM, HEX, seeded } from "./support/fake.js";

// Table-driven tests for the pure pieces rules are built from. Fake credentials are assembled at
// run time (deterministic pseudo-random characters after a provider prefix), so no string in this
// file looks like a key to a secret scanner or to push protection.

const rand = seeded;

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
/** An unsigned-looking JWT with the given payload (the signature is random characters). */
const jwt = (payload: Record<string, unknown>): string =>
  `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(payload)}.${rand(43, `${ALNUM}-_`, 3)}`;

const uuid = (seed: number): string =>
  `${rand(8, HEX, seed)}-${rand(4, HEX, seed + 1)}-4${rand(3, HEX, seed + 2)}-a${rand(3, HEX, seed + 3)}-${rand(12, HEX, seed + 4)}`;

const KEYS = {
  stripeSecret: `sk_${"live"}_${rand(24, ALNUM, 11)}`,
  stripeTest: `sk_${"test"}_${rand(24, ALNUM, 12)}`,
  stripeRestricted: `rk_${"live"}_${rand(24, ALNUM, 13)}`,
  stripeWebhook: `whsec_${rand(32, ALNUM, 14)}`,
  anthropic: `sk-ant-api03-${rand(40, `${ALNUM}_-`, 15)}`,
  openaiProject: `sk-proj-${rand(48, `${ALNUM}_-`, 16)}`,
  openaiLegacy: `sk-${rand(48, ALNUM, 17)}`,
  huggingFace: `hf_${rand(34, ALNUM, 18)}`,
  github: `ghp_${rand(36, ALNUM, 19)}`,
  githubPat: `github_pat_${rand(82, `${ALNUM}_`, 20)}`,
  replicate: `r8_${rand(37, ALNUM, 21)}`,
  fal: `${uuid(22)}:${rand(32, HEX, 23)}`,
  groq: `gsk_${rand(52, ALNUM, 24)}`,
  xai: `xai-${rand(80, ALNUM, 25)}`,
  googleOauth: `GOCSPX-${rand(28, `${ALNUM}_-`, 26)}`,
  slack: `xoxb-${rand(12, "0123456789", 27)}-${rand(24, ALNUM, 28)}`,
  sendgrid: `SG.${rand(22, `${ALNUM}_-`, 29)}.${rand(43, `${ALNUM}_-`, 30)}`,
  awsKeyId: `AKIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 31)}`,
  privateKey: `-----BEGIN RSA ${"PRIVATE"} KEY-----\n${rand(64, ALNUM, 32)}\n-----END RSA ${"PRIVATE"} KEY-----`,
  serviceRoleJwt: jwt({ iss: "supabase", ref: "abcdefghijklmnop", role: "service_role", iat: 1719835200 }),
  anonJwt: jwt({ iss: "supabase", ref: "abcdefghijklmnop", role: "anon", iat: 1719835200 }),
  stripePublishable: `pk_${"live"}_${rand(40, ALNUM, 33)}`,
  stripePublishableTest: `pk_${"test"}_${rand(40, ALNUM, 34)}`,
  firebase: `AIza${rand(35, `${ALNUM}_-`, 35)}`,
  posthog: `phc_${rand(43, ALNUM, 36)}`,
  sentryDsn: `https://${rand(32, HEX, 37)}@o123456.ingest.sentry.io/1234567`,
  dbUrl: `postgresql://app:${rand(24, ALNUM, 38)}@db.example.com:5432/app`,
};

describe("isSecretName", () => {
  it.each([
    "API_KEY",
    "JWT_SECRET",
    "DB_PASSWORD",
    "STRIPE_SECRET_KEY",
    "OPENAI_API_KEY",
    "api_key",
    "GITHUB_TOKEN",
    "SESSION_SECRET",
    "PRIVATE_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "SENTRY_DSN",
    "MYSQL_PWD",
    "SMTP_PASS",
  ])("%s names a secret", (key) => {
    expect(isSecretName(key)).toBe(true);
  });

  it.each([
    "AWS_ACCESS_KEY_ID",
    "JWT_EXPIRES_IN",
    "MAX_TOKENS",
    "PASSWORD_MIN_LENGTH",
    "TOKEN_URL",
    "STRIPE_PUBLISHABLE_KEY",
    "API_KEY_HEADER",
    "REQUIRE_API_KEY",
    "JWT_ALGORITHM",
    "SECRET_KEY_FILE",
    "DB_USER",
    "HOST",
    "PORT",
    "NODE_ENV",
    "SUPABASE_PUBLIC_KEY",
  ])("%s does not name a secret value", (key) => {
    expect(isSecretName(key)).toBe(false);
  });
});

describe("providerSecret", () => {
  it.each([
    ["Stripe secret key", KEYS.stripeSecret],
    ["Stripe secret key", KEYS.stripeTest],
    ["Stripe restricted key", KEYS.stripeRestricted],
    ["Stripe webhook secret", KEYS.stripeWebhook],
    ["Anthropic API key", KEYS.anthropic],
    ["OpenAI API key", KEYS.openaiProject],
    ["OpenAI API key", KEYS.openaiLegacy],
    ["Hugging Face token", KEYS.huggingFace],
    ["GitHub token", KEYS.github],
    ["GitHub token", KEYS.githubPat],
    ["Replicate API token", KEYS.replicate],
    ["fal.ai API key", KEYS.fal],
    ["Groq API key", KEYS.groq],
    ["xAI API key", KEYS.xai],
    ["Google OAuth client secret", KEYS.googleOauth],
    ["Slack token", KEYS.slack],
    ["SendGrid API key", KEYS.sendgrid],
    ["AWS access key id", KEYS.awsKeyId],
    ["private key", KEYS.privateKey],
    ["Supabase service_role JWT", KEYS.serviceRoleJwt],
    ["database URL with a password", KEYS.dbUrl],
  ])("recognises a %s", (provider, value) => {
    expect(providerSecret(value)).toBe(provider);
    // Surrounding whitespace from a sloppy env file changes nothing.
    expect(providerSecret(`  ${value}  `)).toBe(provider);
  });

  it.each([
    ["a Stripe publishable key", KEYS.stripePublishable],
    ["a Stripe test publishable key", KEYS.stripePublishableTest],
    ["a Supabase anon JWT", KEYS.anonJwt],
    ["a Firebase web key", KEYS.firebase],
    ["a PostHog project key", KEYS.posthog],
    ["a Sentry DSN", KEYS.sentryDsn],
    ["a random UUID", uuid(40)],
    ["prose", "the quick brown fox jumps over the lazy dog"],
    ["prose mentioning a prefix", "set sk_live_ keys in the dashboard"],
    ["a truncated Stripe key", "sk_live_..."],
    ["a short sk- value", "sk-123"],
    ["a key embedded in text", `key is ${KEYS.stripeSecret}`],
    ["a DB URL without a password", "postgresql://app@db.example.com:5432/app"],
    ["an https URL", "https://api.example.com/v1"],
    ["an empty string", ""],
  ])("does not flag %s", (_name, value) => {
    expect(providerSecret(value)).toBeUndefined();
  });
});

describe("provider keywords (the cheap test before the formats)", () => {
  // A key whose format has no keyword in it would never reach the format regex: a silent miss.
  const providerKeys = Object.values(KEYS).filter((k) => providerSecret(k) !== undefined);
  it.each(PROVIDER_FORMATS.map((f) => [f.provider, f] as const))(
    "every %s contains its keyword",
    (_name, f) => {
      const keys = providerKeys.filter((k) => f.pattern.test(k));
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(f.keyword.test(key)).toBe(true);
      // The bundle and served-script hints are built from the same keywords.
      for (const key of keys) expect(KEY_HINTS.test(key)).toBe(true);
    },
  );

  it.each([
    ["a key in code", `const stripe = new Stripe("${KEYS.stripeSecret}")`, true],
    ["a fal.ai key in code", `FAL_KEY = "${KEYS.fal}"`, true],
    ["a private key block", `pem = """${KEYS.privateKey}"""`, true],
    ["a keyword without a key", "the sk- prefix and the AKIA prefix", false],
    ["a kebab-case word", "disk-usage-monitoring-service-for-the-cluster", false],
    ["plain code", "def handler(request):\n    return 42\n", false],
  ])("mentionsProviderSecret: %s", (_name, text, expected) => {
    expect(mentionsProviderSecret(text)).toBe(expected);
    expect(PROVIDER_SECRET_IN_TEXT.test(text)).toBe(expected);
  });
});

describe("isPublicByDesign", () => {
  it.each([
    ["Stripe pk_live_", KEYS.stripePublishable],
    ["Stripe pk_test_", KEYS.stripePublishableTest],
    ["Supabase anon JWT", KEYS.anonJwt],
    ["Firebase web key", KEYS.firebase],
    ["PostHog key", KEYS.posthog],
    ["Sentry DSN", KEYS.sentryDsn],
  ])("%s is public by design", (_name, value) => {
    expect(isPublicByDesign(value)).toBe(true);
  });

  it.each([
    ["Stripe secret key", KEYS.stripeSecret],
    ["service_role JWT", KEYS.serviceRoleJwt],
    ["OpenAI key", KEYS.openaiProject],
    ["random hex", rand(64, HEX, 41)],
    ["a Sentry-like URL on another host", `https://${rand(32, HEX, 42)}@sentry.example.com/1`],
    ["empty", ""],
  ])("%s is not public", (_name, value) => {
    expect(isPublicByDesign(value)).toBe(false);
  });
});

describe("jwtRole", () => {
  it.each([
    ["anon", KEYS.anonJwt, "anon"],
    ["service_role", KEYS.serviceRoleJwt, "service_role"],
    ["authenticated", jwt({ role: "authenticated" }), "authenticated"],
    ["no role claim", jwt({ sub: "123" }), undefined],
    ["a numeric role", jwt({ role: 1 }), undefined],
    [
      "a payload that is not JSON",
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from("not json").toString("base64url")}.sig`,
      undefined,
    ],
    ["two parts", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9", undefined],
    ["not starting with eyJ", `abc.${b64url({ role: "anon" })}.sig`, undefined],
    ["plain text", "hello", undefined],
  ])("%s", (_name, value, role) => {
    expect(jwtRole(value)).toBe(role);
  });
});

describe("isPlaceholder", () => {
  it.each([
    "changeme",
    "CHANGEME",
    "change-me",
    "change_this",
    "your-secret-key-here",
    "your_api_key",
    "<your-openai-api-key>",
    "<token>",
    "[api key]",
    "{{ SECRET }}",
    "xxx",
    "xxxxxxxx",
    "...",
    "****",
    "placeholder",
    "dummy",
    "secret",
    "password",
    "password123",
    "admin",
    "mysecret",
    "supersecret",
    "insert-your-key-here",
    "api-key-goes-here",
    "django-insecure-abc123",
    "sk_live_...",
    "sk_test_xxxx",
    "aaaaaaaa",
    "123456",
    "12345678",
    "  changeme  ",
  ])("%s is a placeholder", (value) => {
    expect(isPlaceholder(value)).toBe(true);
  });

  it.each([
    rand(64, HEX, 50),
    rand(43, `${ALNUM}-_`, 51),
    KEYS.stripeSecret,
    "production",
    "development",
    "https://app.example.com",
    "image2model",
    "kqjpKNVEbHailFKdX5jgo0IluwhUEZP8",
    "",
    "true",
  ])("%s is not a placeholder", (value) => {
    expect(isPlaceholder(value)).toBe(false);
  });
});

describe("isLowEntropy", () => {
  it.each(["aaaaaaaa1111", "abcabcabcabc", "abc", "", "password", "11111111", "abababababababab"])(
    "%s is low entropy",
    (value) => {
      expect(isLowEntropy(value)).toBe(true);
    },
  );

  it.each([rand(32, ALNUM, 60), rand(64, HEX, 61), KEYS.stripeSecret, KEYS.openaiProject, "Tr0ub4dor&3xyzQ"])(
    "%s is not low entropy",
    (value) => {
      expect(isLowEntropy(value)).toBe(false);
    },
  );
});

describe("estimatedRandomBytes", () => {
  it.each([
    ["64 hex characters", rand(64, HEX, 70), 32],
    ["32 hex characters", rand(32, HEX, 71), 16],
    ["43 base64url characters", `${rand(41, ALNUM, 72)}-_`, (43 * 6) / 8],
    ["an empty string", "", 0],
  ])("%s", (_name, value, bytes) => {
    expect(estimatedRandomBytes(value)).toBeCloseTo(bytes, 5);
  });

  it("ranks a richer alphabet higher at the same length", () => {
    const hex = estimatedRandomBytes(rand(40, HEX, 73));
    const alnum = estimatedRandomBytes(rand(40, ALNUM, 74));
    const printable = estimatedRandomBytes(`${rand(38, ALNUM, 75)}!@`);
    expect(hex).toBeLessThan(alnum);
    expect(alnum).toBeLessThan(printable);
  });

  it("ignores surrounding whitespace", () => {
    const v = rand(64, HEX, 76);
    expect(estimatedRandomBytes(`  ${v}\n`)).toBe(estimatedRandomBytes(v));
  });
});

describe("maskSecret", () => {
  const lengths = Array.from({ length: 70 }, (_, i) => i);
  it.each(lengths)("length %i: at most 4 characters and at most a quarter shown, never the whole", (n) => {
    const value = rand(n, ALNUM, 80 + n);
    const masked = maskSecret(value);
    // What is shown is a prefix of the value followed by a mask that is not part of the value.
    const shown = masked.replace(/\*+$/, "");
    expect(value.startsWith(shown)).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(4);
    expect(shown.length).toBeLessThanOrEqual(Math.floor(n / 4));
    expect(masked).toMatch(/\*{3,}$/);
    if (n >= 1) expect(masked.includes(value)).toBe(false);
  });

  it("does not reveal the secret's length", () => {
    expect(maskSecret(rand(40, ALNUM, 1)).length).toBe(maskSecret(rand(400, ALNUM, 2)).length);
  });
});

describe("mayBeSecret", () => {
  it.each([
    ["API_KEY", "anything-at-all"],
    ["SOME_SETTING", KEYS.stripeSecret],
    ["SOME_SETTING", "opaque-value-1234"],
    ["DATABASE_URL", "postgresql://u:p4ss@db.example.com/app"],
    ["WEBHOOK", "https://user:tok3n@hooks.example.com/x"],
    ["PASSWORD", "true"],
  ])("%s=%s must be masked", (key, value) => {
    expect(mayBeSecret(key, value)).toBe(true);
  });

  it.each([
    ["DEBUG", "true"],
    ["PORT", "8000"],
    ["HOST", "0.0.0.0"],
    ["HOST", "::"],
    ["API_URL", "https://api.example.com/v1"],
    ["BACKEND_CORS_ORIGINS", '["https://a.example.com", "https://b.example.com"]'],
    ["CORS_ORIGINS", "https://a.example.com,https://b.example.com"],
    ["ALLOWED_HOSTS", "*"],
    ["NODE_ENV", "production"],
    ["LOG_LEVEL", "info"],
    ["REDIS_HOST", "localhost:6379"],
    ["API_KEY", ""],
    ["API_KEY", "   "],
  ])("%s=%s is plainly public", (key, value) => {
    expect(mayBeSecret(key, value)).toBe(false);
  });
});

describe("secretPartOf", () => {
  it.each([
    ["a postgres URL's password", "postgresql://postgres:pw-123@db:5432/app", "pw-123"],
    ["a redis URL with only a password", "redis://:r3dis-pass@redis:6379/0", "r3dis-pass"],
    ["an https URL with credentials", "https://user:tok3n@hooks.example.com/x", "tok3n"],
    ["a plain value", "just-a-value", "just-a-value"],
    ["a URL without a password", "https://api.example.com", "https://api.example.com"],
  ])("%s", (_name, value, part) => {
    expect(secretPartOf(value)).toBe(part);
  });

  // The secret part is taken as written: evidence lines show the percent-encoded form.
  it("returns a percent-encoded password as written in the value", () => {
    const value = "postgresql://app:p%40ss%21word99@db.example.com:5432/app";
    expect(secretPartOf(value)).toBe("p%40ss%21word99");
    expect(value.includes(secretPartOf(value))).toBe(true);
  });
});

describe("isAllInterfaces", () => {
  it.each([
    ["", true],
    ["0.0.0.0", true],
    ["::", true],
    ["[::]", true],
    ["*", true],
    [" 0.0.0.0 ", true],
    ["0:0:0:0:0:0:0:0", true],
    [undefined, true],
    [null, true],
    ["127.0.0.1", false],
    ["::1", false],
    ["[::1]", false],
    ["localhost", false],
    ["192.168.1.10", false],
    ["10.0.0.5", false],
  ] as const)("%j -> %s", (host, expected) => {
    expect(isAllInterfaces(host)).toBe(expected);
  });
});

describe("isLocalHost", () => {
  it.each([
    "localhost",
    "LOCALHOST",
    "app.localhost",
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "[::1]",
    "db",
    "redis",
    "ollama",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "169.254.1.1",
    "printer.local",
    "svc.internal",
    "host.docker.internal",
    "fd12:3456::1",
    "fe80::1",
  ])("%s is local", (host) => {
    expect(isLocalHost(host)).toBe(true);
  });

  it.each([
    "example.com",
    "api.example.com",
    "8.8.8.8",
    "172.32.0.1",
    "172.15.0.1",
    "192.169.0.1",
    "11.0.0.1",
    "2001:db8::1",
    "li2031-118.members.linode.com",
  ])("%s is remote", (host) => {
    expect(isLocalHost(host)).toBe(false);
  });
});

describe("plainHttpRemoteHost", () => {
  it.each([
    ["http://api.example.com/v1/hook", "api.example.com"],
    ["HTTP://API.EXAMPLE.COM/", "api.example.com"],
    ["http://user:pw@hooks.example.com/x", "hooks.example.com"],
    ["http://8.8.8.8:8080/", "8.8.8.8"],
    ["http://localhost:11434", undefined],
    ["http://127.0.0.1:8000", undefined],
    ["http://ollama:11434", undefined],
    ["http://couchdb:5984", undefined],
    ["http://10.0.0.5/api", undefined],
    ["http://host.docker.internal:8000", undefined],
    ["https://api.example.com", undefined],
    ["ftp://example.com", undefined],
    ["not a url", undefined],
    ["", undefined],
  ])("%s -> %s", (value, host) => {
    expect(plainHttpRemoteHost(value)).toBe(host);
  });
});

describe("dataServicePort", () => {
  it.each([
    [5432, "PostgreSQL"],
    ["5432", "PostgreSQL"],
    ["6379", "Redis"],
    [27017, "MongoDB"],
    ["3306", "MySQL/MariaDB"],
    ["11434", "Ollama"],
    ["5984", "CouchDB"],
    ["9200", "Elasticsearch"],
    [8000, undefined],
    ["80", undefined],
    ["443", undefined],
    ["", undefined],
    ["abc", undefined],
    [null, undefined],
    [undefined, undefined],
  ] as const)("%j -> %s", (port, name) => {
    expect(dataServicePort(port)).toBe(name);
  });
});

describe("isReverseProxyImage", () => {
  it.each([
    "nginx",
    "nginx:1.27",
    "nginx:1.27-alpine",
    "NGINX:latest",
    "docker.io/library/nginx:1.27",
    "nginx@sha256:abcdef",
    "nginxinc/nginx-unprivileged:1.27",
    "caddy:2",
    "traefik:v3.1",
    "haproxy:2.9",
    "jc21/nginx-proxy-manager:latest",
    "envoyproxy/envoy:v1.31.0",
    "httpd:2.4",
  ])("%s is a reverse proxy", (image) => {
    expect(isReverseProxyImage(image)).toBe(true);
  });

  it.each(["nginx-exporter:1.0", "myorg/nginx-app:1.0", "redis:7", "python:3.12", "", undefined, null])(
    "%s is not a reverse proxy",
    (image) => {
      expect(isReverseProxyImage(image)).toBe(false);
    },
  );
});

// The catalogue entries are called the way the engine calls them: (value, subject, ctx, args).
function predicate(name: string): PredicateEntry {
  const entry = PREDICATES[name];
  if (!entry) throw new Error(`no predicate ${name}`);
  return entry;
}
const SUBJECT: Subject = {
  kind: "env-entry",
  fields: {},
  location: { file: ".env", line: 1, column: 1 },
  fieldLocations: {},
  evidence: "",
  secrets: [],
  identity: "x",
};
const CTX: PredicateContext = { subjects: () => [] };
const call = (name: string, value: FieldValue): unknown => predicate(name).fn(value, SUBJECT, CTX, {});

describe("PREDICATES catalogue", () => {
  it("every entry has a description and a function", () => {
    for (const [name, entry] of Object.entries(PREDICATES)) {
      expect(entry.description, name).toMatch(/\S/);
      expect(typeof entry.fn, name).toBe("function");
    }
  });

  describe("wildcardOrigin", () => {
    it.each([
      ["*", true],
      [" * ", true],
      ['["*"]', true],
      ["['*']", true],
      ["https://app.example.com, *", true],
      ["https://app.example.com *", true],
      ['["https://app.example.com", "*"]', true],
      ["https://app.example.com", false],
      ["https://*.example.com", false],
      ['["https://app.example.com"]', false],
      ["", false],
      [null, false],
    ] as const)("%j -> %s", (value, expected) => {
      expect(call("wildcardOrigin", value)).toBe(expected);
    });
  });

  describe("unpinnedImage", () => {
    it.each([
      ["redis", true],
      ["redis:latest", true],
      ["redis:LATEST", true],
      ["ghcr.io/org/app", true],
      ["ghcr.io/org/app:latest", true],
      ["localhost:5000/app", true],
      ["redis:7.4.1-alpine", false],
      ["postgres:16.4", false],
      ["postgres@sha256:0123456789abcdef", false],
      ["redis:latest@sha256:0123456789abcdef", false],
      ["localhost:5000/app:1.2.3", false],
      ["${IMAGE}", false],
      ["", false],
    ] as const)("%j -> %s", (value, expected) => {
      expect(call("unpinnedImage", value)).toBe(expected);
    });
  });

  describe("dockerSocket", () => {
    it.each([
      ["/var/run/docker.sock:/var/run/docker.sock", true],
      ["/var/run/docker.sock:/var/run/docker.sock:ro", true],
      ["/run/docker.sock:/run/docker.sock", true],
      ["/var/run/docker.sock:/tmp/docker.sock", true],
      ["./data:/data", false],
      ["/var/run/docker.sock.bak:/backup", false],
      ["docker-data:/var/lib/docker", false],
      ["", false],
    ] as const)("%j -> %s", (value, expected) => {
      expect(call("dockerSocket", value)).toBe(expected);
    });
  });

  describe("dangerousCapability", () => {
    it.each([
      ["SYS_ADMIN", true],
      ["CAP_SYS_ADMIN", true],
      ["sys_admin", true],
      ["ALL", true],
      ["NET_ADMIN", true],
      [" SYS_PTRACE ", true],
      ["SYS_MODULE", true],
      ["NET_BIND_SERVICE", false],
      ["CHOWN", false],
      ["SYS_ADMINX", false],
      ["", false],
    ] as const)("%j -> %s", (value, expected) => {
      expect(call("dangerousCapability", value)).toBe(expected);
    });
  });

  describe("dbUrlTlsDisabled", () => {
    it.each([
      ["postgresql://u:p@db.example.com:5432/app?sslmode=disable", true],
      ["postgres://u:p@li2031-118.members.linode.com/app?sslmode=disable", true],
      ["mysql://u:p@db.example.com/app?ssl=false", true],
      ["mongodb://u:p@db.example.com/app?tls=false", true],
      ["postgresql://u:p@db.example.com/app?sslmode=require", false],
      ["postgresql://u:p@db.example.com/app", false],
      ["mysql://u:p@db.example.com/app?ssl=true", false],
      ["postgresql://u:p@db:5432/app?sslmode=disable", false],
      ["postgresql://u:p@localhost/app?sslmode=disable", false],
      ["postgresql://u:p@10.0.0.5/app?sslmode=disable", false],
      ["https://db.example.com/?sslmode=disable", false],
      ["", false],
    ] as const)("%j -> %s", (value, expected) => {
      expect(call("dbUrlTlsDisabled", value)).toBe(expected);
    });
  });
});

describe("interpolate", () => {
  const vars = new Map([
    ["HOST", "127.0.0.1"],
    ["PORT", "8000"],
    ["EMPTY", ""],
    ["TAG", "1.2.3"],
  ]);
  it.each([
    ["no references", "plain text", "plain text"],
    ["$$ escapes a dollar", "cost $$5", "cost $5"],
    ["$$ before a name is not a reference", "$$HOST", "$HOST"],
    ["${VAR}", "${HOST}:${PORT}", "127.0.0.1:8000"],
    ["$VAR", "$HOST:$PORT", "127.0.0.1:8000"],
    ["unknown ${VAR} becomes empty", "${NOPE}:8000", ":8000"],
    ["unknown $VAR becomes empty", "a$NOPE-b", "a-b"],
    [":- default when unset", "${NOPE:-9000}", "9000"],
    [":- default when empty", "${EMPTY:-9000}", "9000"],
    [":- value when set", "${PORT:-9000}", "8000"],
    ["- default when unset", "${NOPE-9000}", "9000"],
    ["- keeps an empty value", "${EMPTY-9000}", ""],
    [":+ alternative when set", "${PORT:+on}", "on"],
    [":+ nothing when empty", "${EMPTY:+on}", ""],
    [":+ nothing when unset", "${NOPE:+on}", ""],
    ["+ alternative when set, even empty", "${EMPTY+on}", "on"],
    ["nested defaults", "${NOPE:-${ALSO_NOPE:-${PORT}}}", "8000"],
    ["nested default with text", "${NOPE:-host-${HOST}}", "host-127.0.0.1"],
    ["default with colons", "${BIND:-0.0.0.0:80}:80", "0.0.0.0:80:80"],
    ["image tag", "app:${TAG:-latest}", "app:1.2.3"],
    [":? with a value", "${PORT:?port required}", "8000"],
    [":? without a value reads on", "${NOPE:?required}", ""],
    ["a lone dollar", "costs $ 5", "costs $ 5"],
    ["an unclosed brace is kept", "${HOST", "${HOST"],
  ])("%s", (_name, input, output) => {
    expect(interpolate(input, vars)).toBe(output);
  });

  it.each([
    ["${NOPE}", "${NOPE}"],
    ["$NOPE", "$NOPE"],
    ["${HOST}-${NOPE}", "127.0.0.1-${NOPE}"],
    ["${NOPE:-fallback}", "fallback"],
    ["${NOPE:?err}", "${NOPE:?err}"],
    ["$$NOPE", "$NOPE"],
  ])("keepUnknown: %s -> %s", (input, output) => {
    expect(interpolate(input, vars, true)).toBe(output);
  });
});

describe("parsePort", () => {
  const vars = new Map([["BIND", "127.0.0.1"]]);
  it.each([
    ["short", "8000:8000", { hostIp: "", published: "8000", target: "8000", protocol: "tcp" }],
    [
      "with host IP",
      "127.0.0.1:8000:8000",
      { hostIp: "127.0.0.1", published: "8000", target: "8000", protocol: "tcp" },
    ],
    [
      "explicit 0.0.0.0",
      "0.0.0.0:80:80",
      { hostIp: "0.0.0.0", published: "80", target: "80", protocol: "tcp" },
    ],
    [
      "IPv6 loopback",
      "[::1]:8001:8001",
      { hostIp: "::1", published: "8001", target: "8001", protocol: "tcp" },
    ],
    ["IPv6 any", "[::]:8002:8002", { hostIp: "::", published: "8002", target: "8002", protocol: "tcp" }],
    ["udp suffix", "53:53/udp", { hostIp: "", published: "53", target: "53", protocol: "udp" }],
    [
      "host IP and protocol",
      "127.0.0.1:5353:53/udp",
      { hostIp: "127.0.0.1", published: "5353", target: "53", protocol: "udp" },
    ],
    ["bare port", "8003", { hostIp: "", published: "", target: "8003", protocol: "tcp" }],
    ["bare number", 8004, { hostIp: "", published: "", target: "8004", protocol: "tcp" }],
    [
      "host IP with an ephemeral port",
      "127.0.0.1::8000",
      { hostIp: "127.0.0.1", published: "", target: "8000", protocol: "tcp" },
    ],
    [
      "range",
      "8000-8010:8000-8010",
      { hostIp: "", published: "8000-8010", target: "8000-8010", protocol: "tcp" },
    ],
    [
      "interpolated host IP",
      "${BIND}:8000:8000",
      { hostIp: "127.0.0.1", published: "8000", target: "8000", protocol: "tcp" },
    ],
    ["unset variable", "${PORT}:8002", { hostIp: "", published: "", target: "8002", protocol: "tcp" }],
    [
      "long syntax without host_ip",
      { target: 8000, published: 8000 },
      { hostIp: "", published: "8000", target: "8000", protocol: "tcp" },
    ],
    [
      "long syntax with host_ip and protocol",
      { target: 53, published: "5353", host_ip: "127.0.0.1", protocol: "udp" },
      { hostIp: "127.0.0.1", published: "5353", target: "53", protocol: "udp" },
    ],
    [
      "long syntax with an interpolated host_ip",
      { target: 8000, published: 8000, host_ip: "${BIND}" },
      { hostIp: "127.0.0.1", published: "8000", target: "8000", protocol: "tcp" },
    ],
  ] as const)("%s", (_name, spec, expected) => {
    expect(parsePort(spec as Parameters<typeof parsePort>[0], vars)).toMatchObject(expected);
  });

  it("keeps the spec as written", () => {
    expect(parsePort("${BIND}:8000:8000", vars)?.spec).toBe("${BIND}:8000:8000");
  });

  it("returns undefined for null", () => {
    expect(parsePort(null, vars)).toBeUndefined();
  });
});

describe("parseEnvText", () => {
  const entries = (text: string) =>
    parseEnvText(text).entries.map(({ key, value, line }) => ({ key, value, line }));

  it("reads plain, quoted and exported values with their lines", () => {
    const text = [
      "# comment",
      "PLAIN=value",
      'DOUBLE="double quoted"',
      "SINGLE='single quoted'",
      "export EXPORTED=yes",
      "",
      "SPACED = around ",
      "EMPTY=",
    ].join("\n");
    expect(entries(text)).toEqual([
      { key: "PLAIN", value: "value", line: 2 },
      { key: "DOUBLE", value: "double quoted", line: 3 },
      { key: "SINGLE", value: "single quoted", line: 4 },
      { key: "EXPORTED", value: "yes", line: 5 },
      { key: "SPACED", value: "around", line: 7 },
      { key: "EMPTY", value: "", line: 8 },
    ]);
  });

  it("gives the key's column", () => {
    const [e] = parseEnvText("  export   KEY=v\n").entries;
    expect(e).toMatchObject({ key: "KEY", line: 1, column: 12 });
  });

  it("strips inline comments from unquoted values but not from quoted ones", () => {
    expect(entries("A=value # a comment\nB=\"has # inside\"\nC='x #y'\n")).toEqual([
      { key: "A", value: "value", line: 1 },
      { key: "B", value: "has # inside", line: 2 },
      { key: "C", value: "x #y", line: 3 },
    ]);
  });

  it("keeps later keys' line numbers right after a multi-line quoted value", () => {
    const text = [
      "FIRST=1",
      'CERT="-----BEGIN CERTIFICATE-----',
      "MIIBszCCAVmgAwIBAgIU",
      "NOT_A_KEY=inside the value",
      '-----END CERTIFICATE-----"',
      "AFTER=2",
      "SINGLE_ML='line one",
      "line two'",
      "LAST=3",
    ].join("\n");
    const got = entries(text);
    expect(got.map((e) => [e.key, e.line])).toEqual([
      ["FIRST", 1],
      ["CERT", 2],
      ["AFTER", 6],
      ["SINGLE_ML", 7],
      ["LAST", 9],
    ]);
    expect(got.find((e) => e.key === "CERT")?.value).toContain("NOT_A_KEY=inside the value");
  });

  it("handles CRLF line endings", () => {
    expect(entries("A=1\r\nB=two\r\n\r\nC=3\r\n")).toEqual([
      { key: "A", value: "1", line: 1 },
      { key: "B", value: "two", line: 2 },
      { key: "C", value: "3", line: 4 },
    ]);
  });

  it("handles a UTF-8 byte order mark", () => {
    expect(entries("\uFEFFFIRST=1\nSECOND=2\n")).toEqual([
      { key: "FIRST", value: "1", line: 1 },
      { key: "SECOND", value: "2", line: 2 },
    ]);
  });

  it("lets the last duplicate win, at its own line", () => {
    expect(entries("KEY=first\nOTHER=x\nKEY=second\n")).toEqual([
      { key: "OTHER", value: "x", line: 2 },
      { key: "KEY", value: "second", line: 3 },
    ]);
  });

  it("returns the file's lines", () => {
    expect(parseEnvText("A=1\r\nB=2").lines).toEqual(["A=1", "B=2"]);
  });

  it("ignores comment lines that look like assignments", () => {
    expect(entries("# API_KEY=commented\nAPI_KEY=real\n")).toEqual([
      { key: "API_KEY", value: "real", line: 2 },
    ]);
  });
});

describe("fileRole and isProductionName", () => {
  it.each([
    [".env", "real"],
    [".env.local", "real"],
    [".env.production", "real"],
    [".env.development", "real"],
    ["backend/.env", "real"],
    ["prod.env", "real"],
    [".env.example", "example"],
    [".env.sample", "example"],
    [".env.template", "example"],
    [".env.production.example", "example"],
    [".env.dist", "example"],
    [".env.defaults", "example"],
    ["template.env", "example"],
    ["config/.env.tpl", "example"],
    [".env.test", "test"],
    [".env.testing", "test"],
    [".env.ci", "test"],
    ["tests/.env", "test"],
    ["backend/__tests__/.env", "test"],
    ["e2e/.env", "test"],
    [".env.contest", "real"],
  ])("%s is %s", (file, role) => {
    expect(fileRole(file)).toBe(role);
  });

  it.each([
    [".env.production", true],
    [".env.prod", true],
    [".env.production.local", true],
    [".env.live", true],
    ["prod.env", true],
    ["docker-compose.prod.yml", true],
    ["docker-compose.production.yaml", true],
    ["deploy/.env.production", true],
    [".env", false],
    [".env.local", false],
    [".env.staging", false],
    [".env.preproduction", false],
    ["docker-compose.yml", false],
    ["production/.env", false],
  ])("%s production: %s", (file, production) => {
    expect(isProductionName(file)).toBe(production);
  });
});

describe("GitignoreStack", () => {
  it("applies root patterns, file and directory patterns", () => {
    const s = GitignoreStack.empty().with("", "*.log\nbuild/\n.env\n");
    expect(s.ignores("debug.log", false)).toBe(true);
    expect(s.ignores("src/app.log", false)).toBe(true);
    expect(s.ignores("build", true)).toBe(true);
    expect(s.ignores("src/build", true)).toBe(true);
    // `build/` matches directories only.
    expect(s.ignores("build", false)).toBe(false);
    expect(s.ignores(".env", false)).toBe(true);
    expect(s.ignores("backend/.env", false)).toBe(true);
    expect(s.ignores(".env.example", false)).toBe(false);
  });

  it("lets a nested .gitignore re-include with !", () => {
    const s = GitignoreStack.empty().with("", ".env*\n").with("frontend", "!.env.production\n");
    expect(s.ignores(".env.production", false)).toBe(true);
    expect(s.ignores("frontend/.env.production", false)).toBe(false);
    expect(s.ignores("frontend/.env", false)).toBe(true);
    expect(s.ignores("backend/.env.production", false)).toBe(true);
  });

  it("lets a later negation in the same file re-include", () => {
    const s = GitignoreStack.empty().with("", ".env\n.env.*\n!.env.example\n");
    expect(s.ignores(".env.local", false)).toBe(true);
    expect(s.ignores(".env.example", false)).toBe(false);
    expect(s.ignores("sub/.env.example", false)).toBe(false);
  });

  it("scopes a nested file's patterns to its directory", () => {
    const s = GitignoreStack.empty().with("ign", "deep/\n/anchored.yml\n");
    expect(s.ignores("ign/deep", true)).toBe(true);
    expect(s.ignores("ign/x/deep", true)).toBe(true);
    expect(s.ignores("deep", true)).toBe(false);
    expect(s.ignores("other/deep", true)).toBe(false);
    expect(s.ignores("ign/anchored.yml", false)).toBe(true);
    expect(s.ignores("ign/x/anchored.yml", false)).toBe(false);
    expect(s.ignores("anchored.yml", false)).toBe(false);
  });

  it("lets a nested file ignore what the root allowed", () => {
    const s = GitignoreStack.empty().with("", "!keep.env\n").with("sub", "*.env\n");
    expect(s.ignores("sub/keep.env", false)).toBe(true);
    expect(s.ignores("keep.env", false)).toBe(false);
  });

  it("applies an ancestor's patterns relative to the ancestor", () => {
    const s = GitignoreStack.empty().withAncestor("apps/api", "apps/api/.env\n/top.env\n*.secret\n");
    expect(s.ignores(".env", false)).toBe(true);
    expect(s.ignores("x.secret", false)).toBe(true);
    expect(s.ignores("top.env", false)).toBe(false);
  });

  it("ignores nothing when empty", () => {
    expect(GitignoreStack.empty().ignores(".env", false)).toBe(false);
  });
});
