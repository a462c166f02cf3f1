import { readFileSync, statSync } from "node:fs";
import { loadConfig, ruleOverrides } from "./engine/config.js";
import { UsageError } from "./engine/errors.js";
import { loadRules } from "./engine/loader.js";
import { buildReport, type ProbeSummary, type Report, type ScanStats } from "./engine/report.js";
import { RuleRun } from "./engine/runner.js";
import { applySuppressions } from "./engine/suppress.js";
import type { SkippedFile, Subject } from "./engine/types.js";
import { PREDICATES } from "./predicates/index.js";
import { maskSecret, providerSecret } from "./predicates/secrets.js";
import { type DeclaredRoute, stagedProjectSubjects } from "./sources/all.js";
import { fileSourceSkipReasons } from "./sources/file-sources.js";
import { DEFAULT_MAX_FILE_BYTES } from "./sources/files.js";
import { probeSubjects } from "./sources/probe/subjects.js";
import { loadProject } from "./sources/project.js";

export interface AuditOptions {
  /** The tree to scan statically; undefined for `secaudit probe`. */
  dir?: string;
  urls: readonly string[];
  rulesDirs: readonly string[];
  configPath?: string;
  /** --header values, "Name: value". */
  headers: readonly string[];
  version: string;
  /** A previous report or `secaudit baseline` file: only findings not in it count. */
  baselinePath?: string;
  /** Today (YYYY-MM-DD) for acceptance expiry; tests pin it. */
  today?: string;
  /** Extra CA for HTTPS targets (tests; users have NODE_EXTRA_CA_CERTS). */
  ca?: string;
  onStep?: (step: string) => void;
}

/** Why a check had nothing to look at, by the kind of subject it needs. */
export const SKIP_REASONS: Record<string, string> = {
  "env-entry": "no env file or compose environment",
  "env-file": "no env file",
  "compose-service": "no compose file",
  "compose-port": "no published compose port",
  "probe-exchange": "no URL probed (--url)",
  "probe-target": "no URL probed (--url)",
  "probe-token": "no script with a key-like string served",
  "code-call": "no Python or JS/TS source that could match",
  "code-assign": "no Python settings that could match",
  "code-env-default": "no env lookup with a default in source",
  "code-compare": "no comparison in source that could match",
  "code-config": "no framework config (vite.config.*, next.config.*)",
  "code-string": "no string literal in a provider key's format in source",
};

export function parseHeaders(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of raw) {
    const i = h.indexOf(":");
    const name = i > 0 ? h.slice(0, i).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`--header: expected "Name: value" (the value is not shown here)`);
    }
    out[name.toLowerCase()] = h.slice(i + 1).trim();
  }
  return out;
}

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--url: not a URL: ${url}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new UsageError(`--url: only http:// and https:// are probed, not ${u.protocol}`);
  }
  if (u.username || u.password) {
    // Never echo it: the password would land in every report and error.
    throw new UsageError(
      `--url: credentials in the URL (${u.protocol}//****@${u.host}) are not sent; pass them with --header`,
    );
  }
}

/**
 * Fingerprints to treat as known: from a `secaudit baseline` file ({ fingerprints: [...] }) or
 * from any earlier JSON report (its findings and suppressed findings).
 */
export function readBaseline(file: string): Set<string> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? "not JSON";
    throw new UsageError(`--baseline ${file}: cannot read a baseline (${why})`);
  }
  const d = data as { fingerprints?: unknown; findings?: unknown; suppressed?: unknown };
  const list = (x: unknown): string[] =>
    Array.isArray(x)
      ? x
          .map((f) => (typeof f === "string" ? f : (f as { fingerprint?: unknown })?.fingerprint))
          .filter((f): f is string => typeof f === "string")
      : [];
  const out = new Set([...list(d.fingerprints), ...list(d.findings), ...list(d.suppressed)]);
  if (!Array.isArray(d.fingerprints) && !Array.isArray(d.findings)) {
    throw new UsageError(`--baseline ${file}: expected a secaudit baseline or JSON report`);
  }
  return out;
}

/** sources → engine → report: the static audit of a tree and/or the live probe of URLs. */
export async function runAudit(options: AuditOptions): Promise<Report> {
  const { dir } = options;
  if (dir !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new UsageError(`${dir}: no such directory`);
    }
    if (!isDir) throw new UsageError(`${dir}: not a directory`);
  }
  options.urls.forEach(checkUrl);
  const headers = parseHeaders(options.headers);
  const config = await loadConfig(dir ?? ".", options.configPath);
  for (const [name, variable] of Object.entries(config.probe?.headersFromEnv ?? {})) {
    const value = process.env[variable];
    if (value === undefined)
      throw new UsageError(`${config.source}: probe.headersFromEnv.${name}: $${variable} is not set`);
    headers[name.toLowerCase()] = value;
  }
  const rules = await loadRules(options.rulesDirs, PREDICATES);
  const overrides = ruleOverrides(config, rules);

  const ruleRun = new RuleRun(rules, PREDICATES, overrides, { ...SKIP_REASONS, ...fileSourceSkipReasons() });
  const subjects: Subject[] = [];
  const notes: string[] = [];
  let skipped: SkippedFile[] = [];
  let filesScanned = 0;
  let routes: DeclaredRoute[] = [];
  const started = performance.now();
  const stats: ScanStats = {
    filesSeen: 0,
    code: { candidates: 0, prefiltered: 0, parsed: 0, parseMs: 0, threads: 0 },
    durationMs: 0,
  };
  if (dir !== undefined) {
    options.onStep?.(`reading ${dir}`);
    const project = loadProject(dir, {
      maxFileBytes: config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      ignore: config.ignore,
      withRoutes: options.urls.length > 0,
      // SECAUDIT_THREADS=1: everything on the main thread (no parse worker), e.g. for a constrained CI runner.
      workerFrom: process.env.SECAUDIT_THREADS === "1" ? Number.POSITIVE_INFINITY : undefined,
    });
    skipped = project.skipped;
    // Route declarations are only worth parsing for when a live probe will try them.
    const staged = stagedProjectSubjects(project, skipped, { routes: options.urls.length > 0 });
    // The env, compose and config rules run while the parse worker is still on the code.
    ruleRun.add(staged.others);
    const found = await staged.code;
    ruleRun.add(found.subjects);
    routes = found.routes;
    subjects.push(...staged.others, ...found.subjects);
    filesScanned =
      project.envFiles.length + project.composeFiles.length + project.configFiles.length + found.code.parsed;
    stats.filesSeen = project.filesSeen;
    stats.code = found.code;
    if (!project.git.available)
      notes.push(`git: ${project.git.reason}; whether env files are committed is judged by .gitignore alone`);
  }

  const probe: ProbeSummary[] = [];
  if (options.urls.length > 0) {
    // The HTTP client (undici) loads only for a live probe: a static scan never pays for it.
    const { DEFAULT_PROBE_OPTIONS, plannedRequests, probeTarget, UnreachableTarget } = await import(
      "./sources/probe/retrieve.js"
    );
    const probeOptions = {
      ...DEFAULT_PROBE_OPTIONS,
      headers,
      ca: options.ca,
      burst: Math.min(config.probe?.burst ?? DEFAULT_PROBE_OPTIONS.burst, 100),
      extraPaths: config.probe?.extraPaths,
      knownRoutes: routes.map((r) => ({
        method: r.method,
        path: r.path,
        declaredAt: `${r.file}:${r.line}`,
        guarded: r.guarded,
      })),
    };
    const targets = [];
    for (const url of options.urls) {
      try {
        const t = await probeTarget(url, probeOptions, options.onStep);
        targets.push(t);
        probe.push({
          url,
          requestsSent: t.requestsSent,
          requestBudget: plannedRequests(probeOptions),
          wallMs: t.wallMs,
          notes: t.notes,
        });
      } catch (err) {
        if (err instanceof UnreachableTarget) throw new UsageError(err.message);
        throw err;
      }
    }
    const live = probeSubjects(targets, Object.values(headers));
    ruleRun.add(live);
    subjects.push(...live);
  }

  const raw = ruleRun.finish();
  const files = new Map<string, readonly string[]>();
  for (const s of subjects) if (s.location.file && s.sourceLines) files.set(s.location.file, s.sourceLines);
  const result = applySuppressions(raw, {
    files,
    accepted: config.accept ?? [],
    acceptedSource: config.source,
    baseline: options.baselinePath ? readBaseline(options.baselinePath) : undefined,
    ruleIds: new Set(rules.map((r) => r.id)),
    today: options.today ?? new Date().toISOString().slice(0, 10),
  });
  notes.push(...result.notes);
  if (config.source) notes.push(`config: ${config.source}`);
  return buildReport(options.version, { root: dir ?? "", urls: [...options.urls] }, result, {
    skipped,
    notes,
    filesScanned,
    probe,
    suppressed: result.suppressed,
    stats: { ...stats, durationMs: Math.round(performance.now() - started) },
    // A key written into a route path is masked like any other secret.
    routes:
      options.urls.length > 0 && dir !== undefined
        ? routes.map((r) => ({
            ...r,
            path: r.path
              .split("/")
              .map((segment) => (providerSecret(segment) ? maskSecret(segment) : segment))
              .join("/"),
          }))
        : undefined,
  });
}
