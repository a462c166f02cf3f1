import type { RunResult } from "./runner.js";
import { computeScore, type Score } from "./score.js";
import { type Check, type Finding, SEVERITIES, type Severity, type SkippedFile } from "./types.js";

/** What one probed target cost: the request budget printed up front, and what was spent. */
export interface ProbeSummary {
  url: string;
  requestsSent: number;
  requestBudget: number;
  wallMs: number;
  notes: string[];
}

/** The one document every reporter renders. Its JSON form is the contract's report. */
export interface Report {
  schemaVersion: 1;
  tool: { name: "secaudit"; version: string };
  target: { root: string; urls: string[] };
  score: Score;
  summary: {
    bySeverity: Record<Severity, number>;
    checks: Record<"pass" | "fail" | "warn" | "skip", number>;
    filesScanned: number;
    suppressed: number;
  };
  checks: Check[];
  findings: Finding[];
  /** Findings accepted on purpose (inline, config, baseline): kept, counted, never silently dropped. */
  suppressed: Finding[];
  /** Files the scan could not read, and why: the scan goes on without them. */
  skipped: SkippedFile[];
  /** What the user should know about how the scan ran (no git, ...). */
  notes: string[];
  /** One entry per probed URL. */
  probe: ProbeSummary[];
  /** Where the time went: files walked, source files parsed vs. passed over by the keyword prefilter. */
  stats: ScanStats;
  /** With `scan --url`: the routes the source declares, which the probe tried first. */
  routes?: Array<{ method: string; path: string; guarded: boolean; file: string; line: number }>;
}

export interface ScanStats {
  filesSeen: number;
  code: { candidates: number; prefiltered: number; parsed: number; parseMs: number; threads: number };
  durationMs: number;
}

export function buildReport(
  version: string,
  target: { root: string; urls: string[] },
  result: RunResult,
  extra: {
    skipped: SkippedFile[];
    notes: string[];
    filesScanned: number;
    probe?: ProbeSummary[];
    suppressed?: Finding[];
    stats?: ScanStats;
    routes?: Report["routes"];
  },
): Report {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of result.findings) bySeverity[f.severity]++;
  const checks = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of result.checks) checks[c.status]++;
  return {
    schemaVersion: 1,
    tool: { name: "secaudit", version },
    target,
    score: computeScore(result.checks, result.findings),
    summary: {
      bySeverity,
      checks,
      filesScanned: extra.filesScanned,
      suppressed: extra.suppressed?.length ?? 0,
    },
    checks: result.checks,
    findings: result.findings,
    suppressed: extra.suppressed ?? [],
    skipped: extra.skipped,
    notes: extra.notes,
    probe: extra.probe ?? [],
    ...(extra.routes ? { routes: extra.routes } : {}),
    stats: extra.stats ?? {
      filesSeen: 0,
      code: { candidates: 0, prefiltered: 0, parsed: 0, parseMs: 0, threads: 0 },
      durationMs: 0,
    },
  };
}
