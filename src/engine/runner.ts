import { evaluate, type Hits, type PredicateCatalogue, type PredicateContext } from "./conditions.js";
import { fingerprint } from "./fingerprint.js";
import { createMasker } from "./mask.js";
import type { Rule } from "./schema.js";
import {
  type Check,
  type Finding,
  type Location,
  type Severity,
  type Subject,
  severityRank,
} from "./types.js";

export interface RuleOverride {
  /** "off" disables the rule; a severity re-rates every finding of it. */
  setting: "off" | Severity;
}

export interface RunResult {
  findings: Finding[];
  checks: Check[];
}

/** Most related findings linked from one finding. */
const MAX_RELATED = 5;

const dirOf = (p: string): string => (p.includes("/") ? p.slice(0, p.lastIndexOf("/") + 1) : "");

/**
 * Match every rule against the subjects of its kind. Pure: subjects in, findings and the
 * checklist out. Secrets are masked here, so nothing downstream ever holds one whole.
 */
export function runRules(
  rules: readonly Rule[],
  subjects: readonly Subject[],
  predicates: PredicateCatalogue,
  overrides: ReadonlyMap<string, RuleOverride> = new Map(),
  skipReasons: Readonly<Record<string, string>> = {},
): RunResult {
  const run = new RuleRun(rules, predicates, overrides, skipReasons);
  run.add(subjects);
  return run.finish();
}

/**
 * runRules in stages: add() evaluates the rules on the subject kinds it is given, as soon as a
 * source has produced them (the env and compose rules run while the code is still being parsed),
 * and finish() completes the checklist. Every subject of a kind comes in one add(), and the kinds a
 * predicate reads across subjects (env-entry, probe-exchange) come with or before the kinds of the
 * rules that use it: code subjects, which come last, are read by no predicate.
 */
export class RuleRun {
  private readonly byKind = new Map<string, Subject[]>();
  private readonly findings: Finding[] = [];
  /** By rule index, so the checklist keeps the rules' order whatever order kinds arrive in. */
  private readonly checks: Array<Check | undefined>;
  private readonly secrets: string[] = [];
  private readonly ctx: PredicateContext = { subjects: (kind) => this.byKind.get(kind) ?? [] };

  constructor(
    private readonly rules: readonly Rule[],
    private readonly predicates: PredicateCatalogue,
    private readonly overrides: ReadonlyMap<string, RuleOverride> = new Map(),
    private readonly skipReasons: Readonly<Record<string, string>> = {},
  ) {
    this.checks = rules.map(() => undefined);
  }

  add(subjects: readonly Subject[]): void {
    const added = new Map<string, Subject[]>();
    for (const s of subjects) {
      if (this.byKind.has(s.kind) && !added.has(s.kind)) throw new Error(`${s.kind} subjects added twice`);
      const list = added.get(s.kind);
      if (list) list.push(s);
      else {
        added.set(s.kind, [s]);
        this.byKind.set(s.kind, []);
      }
      this.secrets.push(...s.secrets);
    }
    for (const [kind, list] of added) this.byKind.set(kind, list);
    this.rules.forEach((rule, i) => {
      if (added.has(rule.appliesTo)) this.evaluateRule(rule, i);
    });
  }

  private evaluateRule(rule: Rule, index: number): void {
    const { ctx, predicates } = this;
    const override = this.overrides.get(rule.id)?.setting;
    const base = { id: rule.id, title: rule.title, category: rule.category, severity: rule.severity };
    if (override === "off") {
      this.checks[index] = { ...base, status: "skip", findingCount: 0, reason: "disabled in config" };
      return;
    }
    const ofKind = this.byKind.get(rule.appliesTo) ?? [];
    const appliesWhen = rule.appliesWhen;
    const candidates = appliesWhen
      ? ofKind.filter((s) => evaluate(appliesWhen, s, ctx, predicates, []))
      : ofKind;
    if (candidates.length === 0) {
      this.checks[index] = {
        ...base,
        status: "skip",
        findingCount: 0,
        reason:
          (ofKind.length > 0 ? rule.skipReason : undefined) ??
          this.skipReasons[rule.appliesTo] ??
          `nothing to check (no ${rule.appliesTo})`,
      };
      return;
    }
    const seen = new Map<string, number>();
    const ruleFindings: Finding[] = [];
    for (const subject of candidates) {
      const hits: Hits = [];
      if (!evaluate(rule.match, subject, ctx, predicates, hits)) continue;
      const severity = (override as Severity | undefined) ?? severityFor(rule, subject, ctx, predicates);
      const location = (rule.at && subject.fieldLocations[rule.at]) || hits[0] || subject.location;
      const where = location.file ?? location.url ?? "";
      const identityKey = `${where}\0${subject.identity}`;
      const occurrence = seen.get(identityKey) ?? 0;
      seen.set(identityKey, occurrence + 1);
      const maskOwn = ownMasker(subject);
      const rawEvidence =
        location !== subject.location && location.line && subject.sourceLines
          ? (subject.sourceLines[location.line - 1] ?? "").trim()
          : subject.evidence;
      ruleFindings.push({
        ruleId: rule.id,
        category: rule.category,
        severity,
        title: rule.title,
        message: formatMessage(rule.message, subject, maskOwn),
        location: cleanLocation(location),
        // Masked again in finish() with every secret of the scan (other subjects' too).
        evidence: maskOwn(rawEvidence),
        remediation: rule.remediation.trim(),
        fingerprint: fingerprint(rule.id, where, subject.identity, occurrence),
      });
    }
    this.findings.push(...ruleFindings);
    this.checks[index] = { ...base, status: checkStatus(ruleFindings), findingCount: ruleFindings.length };
  }

  finish(): RunResult {
    const { rules, findings } = this;
    // Rules whose kind never came: nothing to check.
    rules.forEach((rule, i) => {
      if (!this.checks[i]) this.evaluateRule(rule, i);
    });
    const checks = this.checks.filter((c): c is Check => c !== undefined);
    // Every value any source considers secret is masked in every finding, not just its own subject's.
    // Safety net across subjects: a long secret value that shows up on another finding's line.
    const maskAcross = createMasker(this.secrets, { minLength: 8, wholeTokens: true });
    for (const f of findings) f.evidence = maskAcross(f.evidence);
    // Link findings to related ones (declared by the rule's relatedRules): a live finding to its static
    // causes anywhere in the tree, a static finding only to those in its own directory or above it (a
    // bundle in frontend/dist/ to frontend/.env, not to every .env of a monorepo). At most a few each.
    const byRule = new Map<string, Finding[]>();
    for (const f of findings) {
      const list = byRule.get(f.ruleId);
      if (list) list.push(f);
      else byRule.set(f.ruleId, [f]);
    }
    for (const rule of rules) {
      const related = rule.relatedRules ?? [];
      const mineAll = byRule.get(rule.id);
      if (related.length === 0 || !mineAll) continue;
      const causes = related
        .flatMap((id) => byRule.get(id) ?? [])
        .sort(compareFindings)
        .map((c) => ({
          finding: c,
          dir: c.location.file === undefined ? undefined : dirOf(c.location.file),
        }));
      if (causes.length === 0) continue;
      for (const f of mineAll) {
        const mine = f.location.file === undefined ? undefined : dirOf(f.location.file);
        const linked: NonNullable<Finding["related"]> = [];
        for (const { finding: c, dir } of causes) {
          if (mine !== undefined && dir !== undefined && !mine.startsWith(dir)) continue;
          linked.push({ ruleId: c.ruleId, location: c.location });
          if (linked.length === MAX_RELATED) break;
        }
        if (linked.length > 0) f.related = linked;
      }
    }
    findings.sort(compareFindings);
    return { findings, checks };
  }
}

/** Each subject's masker, built once however many rules it fails. */
const ownMaskers = new WeakMap<Subject, (text: string) => string>();
function ownMasker(subject: Subject): (text: string) => string {
  let masker = ownMaskers.get(subject);
  if (!masker) {
    masker = createMasker(subject.secrets, { wholeTokens: true });
    ownMaskers.set(subject, masker);
  }
  return masker;
}

function severityFor(
  rule: Rule,
  subject: Subject,
  ctx: PredicateContext,
  predicates: PredicateCatalogue,
): Severity {
  for (const { when, severity } of rule.severityWhen ?? []) {
    if (evaluate(when, subject, ctx, predicates, [])) return severity;
  }
  return rule.severity;
}

/** fail: something at low or above; warn: only info findings; pass: nothing found. */
export function checkStatus(findings: readonly Finding[]): Check["status"] {
  if (findings.length === 0) return "pass";
  return findings.some((f) => f.severity !== "info") ? "fail" : "warn";
}

/** Fill {{field}} placeholders with the subject's values, each masked: the template stays readable. */
function formatMessage(template: string, subject: Subject, mask: (text: string) => string): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    const v = subject.fields[name];
    return mask(Array.isArray(v) ? v.join(", ") : v === undefined || v === null ? "" : String(v));
  });
}

function cleanLocation(l: Location): Location {
  return l.url !== undefined ? { url: l.url } : { file: l.file, line: l.line ?? 1, column: l.column ?? 1 };
}

/** localeCompare's order, from one collator: localeCompare looks one up on every call of a sort. */
const collator = new Intl.Collator();

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    collator.compare(a.location.file ?? a.location.url ?? "", b.location.file ?? b.location.url ?? "") ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    collator.compare(a.ruleId, b.ruleId)
  );
}
