import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRules } from "../src/engine/loader.js";
import { runRules } from "../src/engine/runner.js";
import { PREDICATES } from "../src/predicates/index.js";
import type { TargetProbe } from "../src/sources/probe/retrieve.js";
import { probeSubjects } from "../src/sources/probe/subjects.js";
import { BIN, cleanEnv, type JsonReport } from "./support/cli.js";
import {
  API_KEY,
  FAKE,
  makeTestPki,
  type RunningServer,
  startExpressApp,
  startFastApi,
  startFastifyApp,
  startHostile,
  startHttpsServer,
  startNodeServer,
} from "./support/servers/index.js";

// The probe against real servers on 127.0.0.1 started here: Express and Fastify with their real
// cors/helmet/rate-limit middleware, FastAPI under uvicorn, Node http/https, hostile servers.
// Every probe rule has a positive and a negative server in the table below.

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  report?: JsonReport & {
    probe: Array<{ requestsSent: number; requestBudget: number; wallMs: number; notes: string[] }>;
  };
  ms: number;
}

/** The built CLI in a subprocess, without blocking this process's servers. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      let report: Run["report"];
      try {
        report = JSON.parse(stdout) as Run["report"];
      } catch {
        report = undefined;
      }
      resolve({ status, stdout, stderr, report, ms: Date.now() - started });
    });
  });
}

const probe = (url: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  cli(["probe", url, "--format", "json", "--fail-on", "none", ...extra], env);

const servers = new Map<string, RunningServer>();
const runs = new Map<string, Run>();
let tmp = "";
let caFile = "";

/** Small servers for the cases the apps do not cover. */
const custom: Record<string, http.RequestListener> = {
  "null-origin": (req, res) => {
    if (req.headers.origin === "null") res.setHeader("access-control-allow-origin", "null");
    res.setHeader("content-type", "application/json");
    res.end("{}");
  },
  "weak-csp": (_req, res) => {
    res.setHeader("content-type", "text/html");
    res.setHeader("content-security-policy", "default-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    res.end("<!doctype html><title>x</title>");
  },
  traceback: (req, res) => {
    if (req.url === "/debug") {
      res.statusCode = 500;
      res.end(
        'Traceback (most recent call last):\n  File "/app/main.py", line 12, in handler\nKeyError: "x"\n',
      );
      return;
    }
    res.statusCode = 404;
    res.end("not found");
  },
  "admin-any-key": (req, res) => {
    res.setHeader("content-type", "application/json");
    res.setHeader("ratelimit", "limit=100, remaining=99, reset=60");
    if (!req.headers["x-api-key"]) {
      res.statusCode = 401;
      res.end('{"detail":"Invalid API key"}');
      return;
    }
    res.end('{"users": 3}');
  },
};

const HSTS =
  (hsts: boolean): http.RequestListener =>
  (_req, res) => {
    if (hsts) res.setHeader("strict-transport-security", "max-age=63072000; includeSubDomains");
    res.setHeader("content-type", "application/json");
    res.setHeader("x-content-type-options", "nosniff");
    res.end("{}");
  };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-probe-"));
  const pki = makeTestPki();
  caFile = path.join(tmp, "ca.pem");
  writeFileSync(caFile, pki.caCert);
  const starts: Array<[string, Promise<RunningServer>]> = [
    ["express-insecure", startExpressApp("insecure")],
    ["express-reflect", startExpressApp("reflect-credentials")],
    ["express-hardened", startExpressApp("hardened", { rateLimitPerMinute: 1000 })],
    ["fastify-insecure", startFastifyApp("insecure")],
    ["fastify-hardened", startFastifyApp("hardened", { rateLimitPerMinute: 1000 })],
    ["fastapi-dev", startFastApi("dev")],
    ["fastapi-hardened", startFastApi("hardened")],
    ["soft-404", startHostile("soft-404")],
    ["https-valid-hsts", startHttpsServer(HSTS(true), pki.valid)],
    ["https-valid-no-hsts", startHttpsServer(HSTS(false), pki.valid)],
    ["https-expired", startHttpsServer(HSTS(true), pki.expired)],
    ["https-wrong-name", startHttpsServer(HSTS(true), pki.wrongName)],
    ["https-soon", startHttpsServer(HSTS(true), pki.soonExpiring)],
    ...Object.entries(custom).map(([name, handler]): [string, Promise<RunningServer>] => [
      name,
      startNodeServer(handler),
    ]),
  ];
  for (const [name, p] of starts) servers.set(name, await p);
  const env = { NODE_EXTRA_CA_CERTS: caFile };
  const jobs = [...servers.entries()].map(async ([name, s]) => {
    const extra =
      name === "admin-any-key" || name === "express-hardened" ? ["--header", `X-API-Key: ${API_KEY}`] : [];
    runs.set(name, await probe(`${s.url}/`, extra, env));
  });
  // Two at a time: the machine has two cores, and each probe is its own process.
  for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2));
}, 120_000);

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

function fired(name: string): Set<string> {
  const run = runs.get(name);
  if (!run?.report) throw new Error(`${name}: no report (exit ${run?.status}): ${run?.stderr.slice(0, 300)}`);
  return new Set(run.report.findings.map((f) => f.ruleId));
}

// rule id -> [a server it must fire on, a server it must stay silent on]
const TABLE: Array<[string, string, string]> = [
  ["probe-auth-missing", "express-insecure", "express-hardened"],
  ["probe-auth-missing", "fastapi-dev", "fastapi-hardened"],
  ["probe-admin-accepts-ordinary-key", "admin-any-key", "express-hardened"],
  ["probe-cors-wildcard", "express-insecure", "express-hardened"],
  ["probe-cors-wildcard", "fastify-insecure", "fastify-hardened"],
  ["probe-cors-reflected-origin", "express-reflect", "express-hardened"],
  ["probe-cors-null-origin", "null-origin", "express-insecure"],
  ["probe-no-rate-limit", "express-insecure", "express-hardened"],
  ["probe-no-rate-limit", "fastapi-dev", "fastapi-hardened"],
  ["probe-hsts-missing", "https-valid-no-hsts", "https-valid-hsts"],
  ["probe-tls-certificate", "https-expired", "https-valid-hsts"],
  ["probe-tls-certificate", "https-wrong-name", "https-valid-hsts"],
  ["probe-tls-certificate", "https-soon", "https-valid-no-hsts"],
  ["probe-insecure-cookie", "express-insecure", "express-hardened"],
  ["probe-csp-missing", "express-insecure", "express-hardened"],
  ["probe-csp-unsafe", "weak-csp", "express-hardened"],
  ["probe-frame-protection-missing", "express-insecure", "express-hardened"],
  ["probe-nosniff-missing", "express-insecure", "express-hardened"],
  ["probe-referrer-policy-missing", "express-insecure", "express-hardened"],
  ["probe-version-banner", "express-insecure", "express-hardened"],
  ["probe-dotenv-exposed", "express-insecure", "soft-404"],
  ["probe-git-exposed", "express-insecure", "soft-404"],
  ["probe-api-docs-exposed", "fastapi-dev", "fastapi-hardened"],
  ["probe-debug-exposed", "traceback", "soft-404"],
  ["probe-bundle-secret", "express-insecure", "express-hardened"],
];

describe("probe rules against real servers", () => {
  it.each(TABLE)("%s fires on %s and not on %s", (ruleId, positive, negative) => {
    expect(fired(positive), `${ruleId} on ${positive}`).toContain(ruleId);
    expect(fired(negative), `${ruleId} on ${negative}`).not.toContain(ruleId);
  });

  it("covers every probe rule with a positive and a negative case", async () => {
    const probeRules = (await loadRules([], PREDICATES))
      .filter((r) => r.appliesTo.startsWith("probe-"))
      .map((r) => r.id);
    // plain-http and no-https-redirect need a non-loopback host: tested below on a recorded probe.
    const tabled = new Set([
      ...TABLE.map(([id]) => id),
      "probe-plain-http",
      "probe-no-https-redirect",
      "probe-tls-legacy-protocol",
    ]);
    expect(probeRules.filter((id) => !tabled.has(id))).toEqual([]);
  });

  it("the honeypot (200 + every header for every path) fires nothing but the missing rate limit", () => {
    expect([...fired("soft-404")]).toEqual(["probe-no-rate-limit"]);
  });

  it("a wildcard with credentials and a reflected origin with credentials are critical", () => {
    const reflect =
      runs
        .get("express-reflect")
        ?.report?.findings.filter((f) => f.ruleId === "probe-cors-reflected-origin") ?? [];
    expect(reflect.length).toBeGreaterThan(0);
    expect(new Set(reflect.map((f) => f.severity))).toEqual(new Set(["critical"]));
  });

  it("an open API where nothing asks for credentials is critical; a 422 from FastAPI counts", () => {
    const dev =
      runs.get("fastapi-dev")?.report?.findings.filter((f) => f.ruleId === "probe-auth-missing") ?? [];
    expect(dev.some((f) => f.location.url?.endsWith("/enhance") && /422/.test(f.message))).toBe(true);
    expect(new Set(dev.map((f) => f.severity))).toEqual(new Set(["critical"]));
  });

  it("the vulnerable FastAPI dev server scores clearly below the hardened one", () => {
    const dev = runs.get("fastapi-dev")?.report?.score.value ?? 100;
    const hard = runs.get("fastapi-hardened")?.report?.score.value ?? 0;
    expect(hard - dev).toBeGreaterThanOrEqual(40);
  });

  it("a rate limiter that answers 429 is observed, and the burst stops there", () => {
    const finding = runs
      .get("express-insecure")
      ?.report?.findings.find((f) => f.ruleId === "probe-no-rate-limit");
    expect(finding?.message).toMatch(/^no limit observed within 20 requests in [\d.]+ s/);
    const hardened = runs.get("fastapi-hardened")?.report;
    expect(hardened?.probe[0]?.requestsSent).toBeLessThan(hardened?.probe[0]?.requestBudget ?? 0);
  });

  it("never prints a secret it found or a --header value whole", () => {
    for (const [name, run] of runs) {
      for (const secret of [FAKE.stripeSecret, FAKE.openaiKey, API_KEY]) {
        expect(run.stdout.includes(secret), `${name}: ${secret.slice(0, 4)}`).toBe(false);
        expect(run.stderr.includes(secret), `${name}: ${secret.slice(0, 4)}`).toBe(false);
      }
    }
  });

  it("prints the request budget and stays within it", () => {
    for (const [name, run] of runs) {
      const p = run.report?.probe[0];
      expect(p, name).toBeDefined();
      expect(p?.requestsSent ?? 999, name).toBeLessThanOrEqual(p?.requestBudget ?? 0);
    }
  });
});

describe("hostile servers", () => {
  it.each(["silent", "endless-body", "redirect-loop", "slow-drip", "garbage"] as const)(
    "%s: a clear answer within the budget, never a hang or a stack trace",
    async (kind) => {
      const s = await startHostile(kind);
      try {
        const run = await probe(`${s.url}/`, [], {});
        expect(run.ms).toBeLessThan(45_000);
        expect(run.stderr).not.toMatch(/\n\s+at /);
        if (run.status === 2) {
          // Nothing usable came back: one line naming the URL and why.
          expect(run.stderr.trim().split("\n")).toHaveLength(1);
          expect(run.stderr).toContain(s.url);
        } else {
          expect(run.status).toBe(0);
          expect(run.report?.probe[0]?.notes.join(" ") ?? "").not.toBe("");
        }
      } finally {
        await s.close();
      }
    },
    60_000,
  );

  it("an unreachable --url is exit 2 with one line", async () => {
    const s = await startNodeServer((_q, r) => r.end());
    const url = s.url;
    await s.close();
    const run = await cli(["scan", "fixtures/hardened-node", "--url", url]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/cannot reach/);
  });
});

describe("scan --url merges static and live findings", () => {
  it("links live CORS * to BACKEND_CORS_ORIGINS=* in the tree", async () => {
    const s = servers.get("express-insecure");
    const run = await cli([
      "scan",
      "fixtures/fastapi-compose-insecure",
      "--url",
      `${s?.url}/`,
      "--format",
      "json",
      "--fail-on",
      "none",
    ]);
    const live = run.report?.findings.find((f) => f.ruleId === "probe-cors-wildcard") as
      | { related?: Array<{ ruleId: string; location: { file?: string } }> }
      | undefined;
    expect(live?.related?.some((r) => r.ruleId === "env-cors-wildcard" && r.location.file === ".env")).toBe(
      true,
    );
    expect(run.report?.target.urls).toEqual([`${s?.url}/`]);
  });
});

describe("scan --url tries the routes the scanned source declares", () => {
  it("probes an unguarded declared route no wordlist knows, and says where it is declared", async () => {
    // Answers only on the app's own routes; no OpenAPI document, nothing on the usual paths.
    const methods = new Set<string>();
    const s = await startNodeServer((req, res) => {
      methods.add(req.method ?? "");
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && req.url === "/v2/dreams/1/upscale") {
        res.end('{"job":"queued"}');
        return;
      }
      if (req.url === "/v2/account") {
        res.statusCode = 401;
        res.end('{"error":"missing api key"}');
        return;
      }
      res.statusCode = 404;
      res.end('{"error":"not found"}');
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), "secaudit-routes-"));
    try {
      writeFileSync(
        path.join(dir, "server.js"),
        [
          'const express = require("express");',
          "const app = express();",
          "// app.post('/v2/commented/out', handler) is not a route",
          'app.post("/v2/dreams/:id/upscale", upscale);',
          'app.get("/v2/account", requireAuth, account);',
          "// never sent: a DELETE would run without a body",
          'app.delete("/v2/dreams/:id", drop);',
          "",
        ].join("\n"),
      );
      const run = await cli(["scan", dir, "--url", s.url, "--format", "json", "--fail-on", "none"]);
      expect(run.report?.routes).toEqual([
        { method: "POST", path: "/v2/dreams/:id/upscale", guarded: false, file: "server.js", line: 4 },
        { method: "GET", path: "/v2/account", guarded: true, file: "server.js", line: 5 },
        { method: "DELETE", path: "/v2/dreams/:id", guarded: false, file: "server.js", line: 7 },
      ]);
      const auth = run.report?.findings.filter((f) => f.ruleId === "probe-auth-missing") ?? [];
      expect(auth.map((f) => f.location.url)).toEqual([`${s.url}/v2/dreams/1/upscale`]);
      expect(auth[0]?.evidence).toContain("declared at server.js:4");
      expect(methods.has("DELETE")).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await s.close();
    }
  });
});

describe("checks that need a host that is not this machine", () => {
  // No loopback server can be a non-loopback host, so these two rules read a recorded probe.
  const recorded = (redirects: boolean): TargetProbe => ({
    url: "http://api.example.com/",
    origin: "http://api.example.com",
    scheme: "http",
    host: "api.example.com",
    loopback: false,
    exchanges: [
      {
        kind: "root",
        method: "GET",
        url: "http://api.example.com/",
        path: "/",
        authenticated: false,
        status: 200,
        headers: {
          "content-type": "application/json",
          "x-content-type-options": "nosniff",
          ratelimit: "limit=10",
        },
        body: "{}",
        bodyTruncated: false,
        redirects: redirects ? ["http://api.example.com/"] : [],
        finalUrl: redirects ? "https://api.example.com/" : "http://api.example.com/",
        ms: 5,
      },
    ],
    rateLimit: { headerEvidence: "ratelimit: limit=10", sent: 0, seconds: 0 },
    requestsSent: 1,
    wallMs: 5,
    notes: [],
  });
  const fire = async (t: TargetProbe) => {
    const rules = (await loadRules([], PREDICATES)).filter(
      (r) => r.id === "probe-plain-http" || r.id === "probe-no-https-redirect",
    );
    return runRules(rules, probeSubjects([t], []), PREDICATES)
      .findings.map((f) => f.ruleId)
      .sort();
  };
  it("plain HTTP without a redirect fires both", async () => {
    expect(await fire(recorded(false))).toEqual(["probe-no-https-redirect", "probe-plain-http"]);
  });
  it("plain HTTP that redirects to HTTPS fires neither", async () => {
    expect(await fire(recorded(true))).toEqual([]);
  });
  it("loopback plain HTTP fires neither", () => {
    expect(fired("express-insecure")).not.toContain("probe-plain-http");
  });
});
