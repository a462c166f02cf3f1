import type { PredicateCatalogue } from "../engine/conditions.js";
import type { FieldValue } from "../engine/types.js";
import { isLoopbackHost } from "./network.js";

// Predicates over probe subjects: what YAML matchers on status/headers/body cannot say alone.

const text = (v: FieldValue): string => (v === null || v === undefined ? "" : String(v));

/** A 400/422 whose body says a credential is missing: authentication answered, not the handler. */
export function isAuthValidationError(status: number, body: string): boolean {
  if (status !== 400 && status !== 422) return false;
  return /(x-api-key|api[_-]?key|authorization|bearer|credential|not authenticated|unauthori[sz]ed|token|missing auth)/i.test(
    body,
  );
}

/** script-src (or default-src) that allows inline or eval'd script, or any host. */
export function weakCsp(policy: string): string | undefined {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name)
      directives.set(
        name.toLowerCase(),
        values.map((v) => v.toLowerCase()),
      );
  }
  const script = directives.get("script-src") ?? directives.get("default-src");
  if (!script) return "no script-src or default-src";
  const strict = script.some(
    (v) => v.startsWith("'nonce-") || v.startsWith("'sha") || v === "'strict-dynamic'",
  );
  if (script.includes("'unsafe-inline'") && !strict) return "'unsafe-inline'";
  if (script.includes("'unsafe-eval'")) return "'unsafe-eval'";
  if (script.some((v) => v === "*" || v === "http:" || v === "https:" || v === "data:"))
    return "a wildcard source";
  return undefined;
}

interface Cookie {
  name: string;
  attributes: Set<string>;
}

export function parseSetCookie(header: string): Cookie[] {
  return header
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [pair = "", ...attrs] = line.split(";");
      return {
        name: pair.split("=")[0]?.trim() ?? "",
        attributes: new Set(attrs.map((a) => a.split("=")[0]?.trim().toLowerCase() ?? "")),
      };
    });
}

const SESSION_COOKIE = /(sess|sid|token|auth|jwt|login|remember)/i;

/** A cookie sent without Secure over a connection that leaves the machine, or a session cookie without HttpOnly/SameSite. */
export function insecureCookie(header: string, url: string): string | undefined {
  const u = new URL(url);
  const remote = u.protocol === "https:" || !isLoopbackHost(u.hostname);
  for (const c of parseSetCookie(header)) {
    if (remote && !c.attributes.has("secure")) return `${c.name} without Secure`;
    if (SESSION_COOKIE.test(c.name) && !c.attributes.has("httponly")) return `${c.name} without HttpOnly`;
    if (SESSION_COOKIE.test(c.name) && !c.attributes.has("samesite")) return `${c.name} without SameSite`;
  }
  return undefined;
}

export const PROBE_PREDICATES: PredicateCatalogue = {
  handlerRanWithoutAuth: {
    description:
      "(probe-exchange) a 2xx, or a 400/422 from the handler itself, with no credentials sent; not a soft-404 or SPA fallback",
    fn: (_v, s) => {
      const status = Number(s.fields.status);
      if (!Number.isFinite(status) || s.fields.authenticated === true || s.fields.sameAsBaseline === true)
        return false;
      if (s.fields.html === true && Number(s.fields["baseline.status"]) === 200) return false;
      if (status >= 200 && status < 300) return true;
      return (status === 400 || status === 422) && !isAuthValidationError(status, text(s.fields.body));
    },
  },
  reflectsOrigin: {
    description: "(probe-exchange) Access-Control-Allow-Origin repeats the Origin the probe sent",
    fn: (_v, s) => {
      const sent = text(s.fields.origin);
      return sent !== "" && sent !== "null" && text(s.fields["header.access-control-allow-origin"]) === sent;
    },
  },
  envFileBody: {
    description: "a body that reads like an env file (KEY=value lines), not an HTML page",
    fn: (v) => {
      const body = text(v);
      if (/<(!doctype|html|head|body)\b/i.test(body)) return false;
      return /^\s*(export\s+)?[A-Z][A-Z0-9_]*\s*=/m.test(body);
    },
  },
  weakCsp: {
    description: "a Content-Security-Policy whose script sources allow inline script, eval or any host",
    fn: (v) => text(v) !== "" && weakCsp(text(v)) !== undefined,
  },
  insecureCookie: {
    description:
      "(probe-exchange) a Set-Cookie without Secure (beyond loopback), or a session cookie without HttpOnly/SameSite",
    fn: (_v, s) => {
      const header = text(s.fields["header.set-cookie"]);
      return header !== "" && insecureCookie(header, text(s.fields.url)) !== undefined;
    },
  },
  somethingAsksForCredentials: {
    description: "(probe-exchange) some request to the same target was answered 401 or 403",
    fn: (_v, s, ctx) =>
      ctx
        .subjects("probe-exchange")
        .some((e) => e.fields.target === s.fields.target && [401, 403].includes(Number(e.fields.status))),
  },
  belowSixMonths: {
    description: "an HSTS max-age (seconds) under 15552000, or -1 when the header is missing",
    fn: (v) => Number(v) < 15_552_000,
  },
  fewDaysLeft: {
    description: "a certificate that expires within args.days (default 14) days",
    fn: (v, _s, _c, args) =>
      v !== null && v !== undefined && Number(v) < (typeof args.days === "number" ? args.days : 14),
  },
  versionBanner: {
    description: "a Server or X-Powered-By value that names a version (nginx/1.18.0, PHP/8.1, Express)",
    fn: (v) => /\d+\.\d+/.test(text(v)) || /^(express|php|asp\.net|next\.js)/i.test(text(v).trim()),
  },
};
