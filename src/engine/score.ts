import type { Check, Finding, Severity } from "./types.js";
import { severityRank } from "./types.js";

/**
 * The scoring table, as data (the MDN HTTP Observatory's approach): a start, one modifier per
 * failed check by its worst finding's severity, a cap when anything is critical, grade bounds.
 * A check costs once however many findings it has, so one noisy rule cannot sink a project,
 * and there are no bonuses, so nothing can hide a missing basic. The README prints this table;
 * test/score.test.ts keeps the table whole (a modifier per severity, grades over 0..100).
 */
export const SCORING = {
  algorithmVersion: 1,
  start: 100,
  modifiers: { critical: -30, high: -15, medium: -8, low: -3, info: 0 } satisfies Record<Severity, number>,
  /** With any critical finding the score is at most this: a D at best. */
  criticalCap: 59,
  grades: [
    { min: 100, grade: "A+" },
    { min: 90, grade: "A" },
    { min: 75, grade: "B" },
    { min: 60, grade: "C" },
    { min: 40, grade: "D" },
    { min: 0, grade: "F" },
  ],
} as const;

export type Grade = (typeof SCORING.grades)[number]["grade"];

export interface ScoreLine {
  ruleId: string;
  severity: Severity;
  modifier: number;
}

export interface Score {
  value: number;
  grade: Grade;
  algorithmVersion: number;
  /** Why: one line per check that cost points, worst first. */
  breakdown: ScoreLine[];
  /** Set when a critical finding capped the score. */
  cappedBy?: string;
}

export function gradeFor(value: number): Grade {
  for (const { min, grade } of SCORING.grades) if (value >= min) return grade;
  return "F";
}

export function computeScore(checks: readonly Check[], findings: readonly Finding[]): Score {
  const worst = new Map<string, Severity>();
  for (const f of findings) {
    const prior = worst.get(f.ruleId);
    if (!prior || severityRank(f.severity) < severityRank(prior)) worst.set(f.ruleId, f.severity);
  }
  const breakdown: ScoreLine[] = [];
  for (const check of checks) {
    const severity = worst.get(check.id);
    if (!severity || check.status === "skip") continue;
    const modifier = SCORING.modifiers[severity];
    if (modifier !== 0) breakdown.push({ ruleId: check.id, severity, modifier });
  }
  breakdown.sort((a, b) => a.modifier - b.modifier || a.ruleId.localeCompare(b.ruleId));
  let value = SCORING.start + breakdown.reduce((sum, l) => sum + l.modifier, 0);
  value = Math.max(0, Math.min(100, value));
  const critical = breakdown.find((l) => l.severity === "critical");
  let cappedBy: string | undefined;
  if (critical && value > SCORING.criticalCap) {
    value = SCORING.criticalCap;
    cappedBy = critical.ruleId;
  }
  return {
    value,
    grade: gradeFor(value),
    algorithmVersion: SCORING.algorithmVersion,
    breakdown,
    ...(cappedBy ? { cappedBy } : {}),
  };
}
