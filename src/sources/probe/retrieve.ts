import { randomBytes } from "node:crypto";
import { isLoopbackHost } from "../../predicates/network.js";
import { providerSecret } from "../../predicates/secrets.js";
import { createAgent, exchange, type HttpLimits, type HttpResult } from "./http.js";
import { inspectTls, type TlsFacts } from "./tls.js";

// Retrieve once, analyse many (the Observatory's retriever): every request the probe makes is
// planned here, sent once, and kept in one immutable TargetProbe that the rules read.

export type ExchangeKind =
  | "root"
  | "baseline"
  | "cors"
  | "preflight"
  | "exposure"
  | "auth"
  | "admin"
  | "asset"
  | "burst";

export interface Exchange extends HttpResult {
  kind: ExchangeKind;
  method: string;
  url: string;
  path: string;
  /** The Origin header sent (CORS exchanges). */
  origin?: string;
  /** Whether the --header credentials were sent. */
  authenticated: boolean;
  /** Where the scanned source declares this route (`app/main.py:12`), when it does. */
  declaredAt?: string;
}

export interface RateLimitFacts {
  /** The limiter's own words, from RateLimit / X-RateLimit-* / Retry-After headers. */
  headerEvidence?: string;
  burstPath?: string;
  sent: number;
  seconds: number;
  /** Status that stopped the burst (429/503), if any. */
  limitedWith?: number;
}

export interface TargetProbe {
  url: string;
  origin: string;
  scheme: "http" | "https";
  host: string;
  loopback: boolean;
  exchanges: Exchange[];
  tls?: TlsFacts;
  tlsError?: string;
  rateLimit: RateLimitFacts;
  requestsSent: number;
  wallMs: number;
  notes: string[];
}

export interface KnownRoute {
  method: string;
  /** As declared: `/items/{item_id}`, `/users/:id`, `/post/<int:id>` (parameters are filled in). */
  path: string;
  /** `file:line` of the declaration, quoted in findings. */
  declaredAt: string;
  guarded: boolean;
}

/** A concrete path for a declared route: every path parameter becomes `1`. */
export function concretePath(declared: string): string {
  return declared
    .replace(/\{[^}/]+\}/g, "1")
    .replace(/<(?:[^:>/]+:)?[^>/]+>/g, "1")
    .replace(/:[A-Za-z_]\w*\??/g, "1")
    .replace(/\*+/g, "1");
}

export interface ProbeOptions {
  /** Sent on requests meant to be authenticated (--header). */
  headers: Record<string, string>;
  burst: number;
  timeoutMs: number;
  budgetMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  concurrency: number;
  /** Extra trusted CA (PEM), besides the system store and NODE_EXTRA_CA_CERTS. */
  ca?: string;
  /** Routes the scanned app declares (FastAPI/Flask decorators, Express/Fastify calls): tried first. */
  knownRoutes?: KnownRoute[];
  extraPaths?: string[];
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  headers: {},
  burst: 20,
  timeoutMs: 5000,
  budgetMs: 30_000,
  maxBodyBytes: 256 * 1024,
  maxRedirects: 5,
  concurrency: 4,
};

export const EXPOSURE_PATHS = [
  "/.env",
  "/.git/HEAD",
  "/.git/config",
  "/docs",
  "/redoc",
  "/openapi.json",
  "/swagger.json",
  "/api-docs",
  "/swagger-ui.html",
  "/debug",
  "/server-status",
];

/** Common API, admin and AI-server paths worth asking without credentials. */
export const AUTH_PATHS = [
  "/api",
  "/v1/models",
  "/v1/chat/completions",
  "/api/tags",
  "/api/generate",
  "/api/chat",
  "/generate",
  "/predict",
  "/admin",
  "/admin/stats",
  "/api/admin",
  "/api/users",
  "/metrics",
];
const ADMIN_PATH = /(^|\/)(admin|internal|manage|management)(\/|$)/i;
const PUBLIC_PATH =
  /^\/(health|healthz|livez|readyz|ping|status|favicon\.ico|robots\.txt|docs|redoc|openapi\.json)?$/i;

const MAX_ASSETS = 8;
/** Routes taken from an exposed OpenAPI document, and admin paths tried with --header. */
const MAX_DISCOVERED_ROUTES = 20;
const MAX_ADMIN_CHECKS = 5;
const MAX_ASSET_BYTES = 2 * 1024 * 1024;

/** Paths and methods named by an OpenAPI document (without path parameters). */
export function openApiRoutes(body: string): Array<{ path: string; method: string }> {
  try {
    const doc = JSON.parse(body) as { paths?: Record<string, Record<string, unknown>> };
    const out: Array<{ path: string; method: string }> = [];
    for (const [p, ops] of Object.entries(doc.paths ?? {})) {
      if (p.includes("{")) continue;
      const methods = Object.keys(ops ?? {}).map((m) => m.toUpperCase());
      const method = methods.includes("GET")
        ? "GET"
        : // Never DELETE: without a body it would run, and the probe must not change the app's data.
          methods.find((m) => ["POST", "PUT", "PATCH"].includes(m));
      if (method) out.push({ path: p, method });
    }
    return out;
  } catch {
    return [];
  }
}

export function scriptSources(html: string, base: string): string[] {
  const origin = new URL(base).origin;
  const out = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)/gi)) {
    try {
      const u = new URL(m[1] ?? "", base);
      if (u.origin === origin) out.add(u.toString());
    } catch {
      // not a URL
    }
  }
  return [...out].slice(0, MAX_ASSETS);
}

/**
 * The request budget of one target, before anything is sent, so the report can print it:
 * root + baseline + 4 CORS + preflight + exposure paths + auth paths + assets + burst.
 */
export function plannedRequests(options: ProbeOptions): number {
  const admin = Object.keys(options.headers).length > 0 ? MAX_ADMIN_CHECKS : 0;
  const exposure = EXPOSURE_PATHS.length + (options.extraPaths?.length ?? 0);
  const auth = AUTH_PATHS.length + MAX_DISCOVERED_ROUTES;
  return 2 + 4 + 1 + exposure + auth + admin + MAX_ASSETS + Math.min(options.burst, 100);
}

export class UnreachableTarget extends Error {}

export async function probeTarget(
  target: string,
  options: ProbeOptions,
  onStep?: (step: string) => void,
): Promise<TargetProbe> {
  const started = performance.now();
  const deadline = started + options.budgetMs;
  const base = new URL(target);
  const scheme = base.protocol === "https:" ? "https" : "http";
  const agent = createAgent(options.ca);
  const exchanges: Exchange[] = [];
  const notes: string[] = [];
  let sent = 0;
  const limits: HttpLimits = {
    timeoutMs: options.timeoutMs,
    maxBodyBytes: options.maxBodyBytes,
    maxRedirects: options.maxRedirects,
  };
  const send = async (
    kind: ExchangeKind,
    path: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      authenticated?: boolean;
      origin?: string;
      body?: string;
      maxBody?: number;
    } = {},
  ): Promise<Exchange | undefined> => {
    if (performance.now() > deadline) {
      if (!notes.some((n) => n.startsWith("time budget")))
        notes.push(`time budget of ${options.budgetMs / 1000} s spent: later requests were not sent`);
      return undefined;
    }
    const resolved = new URL(path, base);
    // Every request stays on the target's origin, whatever a path says (`//host/x`, `/\\host`).
    if (resolved.origin !== base.origin) return undefined;
    const url = resolved.toString();
    const headers: Record<string, string> = { "user-agent": "secaudit-probe", ...(init.headers ?? {}) };
    if (init.authenticated) Object.assign(headers, options.headers);
    if (init.origin) headers.origin = init.origin;
    sent++;
    const res = await exchange(
      agent,
      { method: init.method ?? "GET", url, headers, body: init.body },
      { ...limits, maxBodyBytes: init.maxBody ?? limits.maxBodyBytes },
    );
    const ex: Exchange = {
      ...res,
      kind,
      method: init.method ?? "GET",
      url,
      path: new URL(url).pathname,
      origin: init.origin,
      authenticated: init.authenticated ?? false,
    };
    exchanges.push(ex);
    return ex;
  };
  const inParallel = async <T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  };

  let tls: TlsFacts | undefined;
  const rateLimit: RateLimitFacts = { sent: 0, seconds: 0 };
  const finish = (): TargetProbe => ({
    url: target,
    origin: base.origin,
    scheme,
    host: base.hostname,
    loopback: isLoopbackHost(base.hostname),
    exchanges,
    tls,
    rateLimit,
    requestsSent: sent,
    wallMs: Math.round(performance.now() - started),
    notes,
  });
  try {
    onStep?.(`${target}: first request`);
    const root = await send("root", base.pathname + base.search);
    if (!root || root.status === undefined) {
      throw new UnreachableTarget(`${target}: cannot reach the server (${root?.error ?? "no answer"})`);
    }
    if (root.error) notes.push(`${root.path}: ${root.error}`);
    if (root.bodyTruncated && !root.timedOut) {
      notes.push(
        `${root.path}: body larger than ${options.maxBodyBytes / 1024} KiB; only the start was read`,
      );
    }
    if (root.timedOut) {
      // A server that drips its first answer would make every later request wait the full
      // deadline: say so and stop here rather than spend the whole budget.
      notes.push(
        `${root.path}: the answer did not finish within ${options.timeoutMs / 1000} s; the rest of the probe was skipped`,
      );
      return finish();
    }
    const random = `/secaudit-${randomBytes(6).toString("hex")}`;
    await send("baseline", random);

    onStep?.(`${target}: CORS`);
    const evil = "https://evil.secaudit.invalid";
    const hostName = base.hostname;
    await inParallel(
      [evil, "null", `https://${hostName}.evil.secaudit.invalid`, `https://evil${hostName}`],
      (origin) => send("cors", base.pathname, { origin }),
    );
    await send("preflight", base.pathname, {
      method: "OPTIONS",
      origin: evil,
      headers: {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });

    onStep?.(`${target}: exposed paths`);
    await inParallel([...EXPOSURE_PATHS, ...(options.extraPaths ?? [])], (p) => send("exposure", p));

    onStep?.(`${target}: authentication`);
    const docs = exchanges.find(
      (e) => e.kind === "exposure" && e.path === "/openapi.json" && e.status === 200,
    );
    // The app's own declared routes first (unguarded ones before guarded), then its OpenAPI
    // document, then the usual AI-backend paths.
    const routes = new Map<string, string>();
    const declaredAt = new Map<string, string>();
    const declared = [...(options.knownRoutes ?? [])]
      // Never DELETE (it would run without a body); one leading slash only; no key-shaped segment.
      .filter(
        (r) =>
          /^(GET|POST|PUT|PATCH)$/.test(r.method) &&
          /^\/(?![/\\])/.test(r.path) &&
          !r.path.split("/").some((segment) => providerSecret(segment)),
      )
      .sort((a, b) => Number(a.guarded) - Number(b.guarded));
    for (const r of declared) {
      const p = concretePath(r.path);
      if (routes.has(p)) continue;
      routes.set(p, r.method);
      declaredAt.set(p, r.declaredAt);
    }
    for (const r of docs ? openApiRoutes(docs.body).slice(0, MAX_DISCOVERED_ROUTES) : [])
      if (!routes.has(r.path)) routes.set(r.path, r.method);
    for (const p of AUTH_PATHS) if (!routes.has(p)) routes.set(p, "GET");
    const authTargets = [...routes.entries()]
      .filter(([p]) => !PUBLIC_PATH.test(p))
      .slice(0, AUTH_PATHS.length + MAX_DISCOVERED_ROUTES);
    // Never a valid body: a POST goes out empty, so at most a validation error comes back.
    await inParallel(authTargets, async ([p, method]) => {
      const ex = await send(
        "auth",
        p,
        method === "GET" ? {} : { method, headers: { "content-type": "application/json" }, body: "" },
      );
      if (ex && declaredAt.has(p)) ex.declaredAt = declaredAt.get(p);
    });
    if (Object.keys(options.headers).length > 0) {
      await inParallel(
        authTargets
          .filter(([p]) => ADMIN_PATH.test(p) && (routes.get(p) ?? "GET") === "GET")
          .slice(0, MAX_ADMIN_CHECKS),
        ([p]) => send("admin", p, { authenticated: true }),
      );
    }

    onStep?.(`${target}: bundles`);
    if (/html/i.test(root.headers["content-type"] ?? "")) {
      await inParallel(scriptSources(root.body, root.finalUrl), (src) =>
        send("asset", new URL(src).pathname + new URL(src).search, { maxBody: MAX_ASSET_BYTES }),
      );
    }

    if (scheme === "https") {
      onStep?.(`${target}: TLS`);
      const facts = await inspectTls(
        base.hostname.replace(/^\[|\]$/g, ""),
        Number(base.port || 443),
        options.timeoutMs,
        options.ca,
      );
      if (typeof facts === "string") notes.push(facts);
      else tls = facts;
    }

    onStep?.(`${target}: rate limit`);
    const limiterHeaders = exchanges
      .flatMap((e) => Object.entries(e.headers))
      .filter(([k]) =>
        /^(ratelimit|ratelimit-policy|x-ratelimit-limit|x-ratelimit-remaining|x-rate-limit-limit|retry-after)$/.test(
          k,
        ),
      );
    if (limiterHeaders.length > 0) {
      rateLimit.headerEvidence = limiterHeaders
        .slice(0, 2)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
    } else {
      // A bounded sequential burst at one cheap GET endpoint, stopping at the first refusal.
      // A cheap endpoint: a health check the OpenAPI document names, else the URL itself.
      const health = [...routes.keys()].find((p) => /^\/(health|healthz|ping|livez)$/.test(p));
      const burstPath = health ?? base.pathname;
      rateLimit.burstPath = burstPath;
      const count = Math.max(1, Math.min(options.burst, 100));
      const burstStart = performance.now();
      for (let i = 0; i < count && performance.now() - burstStart < 10_000; i++) {
        const ex = await send("burst", burstPath);
        if (!ex) break;
        rateLimit.sent++;
        if (ex.status === 429 || ex.status === 503) {
          rateLimit.limitedWith = ex.status;
          break;
        }
        if (ex.status === undefined) break;
      }
      rateLimit.seconds = Math.round((performance.now() - burstStart) / 10) / 100;
    }
    return finish();
  } finally {
    // destroy, not close: a hostile server's endless body must not hold the process open.
    await agent.destroy().catch(() => undefined);
  }
}
