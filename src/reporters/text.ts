import { Chalk, type ChalkInstance } from "chalk";
import type { Report } from "../engine/report.js";
import { SCORING } from "../engine/score.js";
import { CATEGORIES, type Check, type Finding, type Severity } from "../engine/types.js";

export interface TextOptions {
  color: boolean;
  /** Only what failed: no passed or skipped checks. */
  quiet: boolean;
}

const MARK: Record<Check["status"], string> = { pass: "✓", fail: "✗", warn: "!", skip: "-" };

/** The default report: a scored checklist read top to bottom, grouped by category. */
export function formatText(report: Report, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const sev = (s: Severity): string => paintSeverity(c, s)(s.toUpperCase().padEnd(8));
  const out: string[] = [];
  const { score, summary } = report;
  const target = [report.target.root, ...report.target.urls].filter(Boolean).join(", ");
  out.push(
    c.bold(`secaudit ${report.tool.version}`) + c.dim(` · ${target} · ${summary.filesScanned} files read`),
  );
  out.push("");
  const gradeColor = score.grade.startsWith("A")
    ? c.green
    : score.grade === "B" || score.grade === "C"
      ? c.yellow
      : c.red;
  out.push(
    `  ${c.bold("Score")} ${gradeColor.bold(`${score.value}/100`)}   ${c.bold("Grade")} ${gradeColor.bold(score.grade)}`,
  );
  for (const line of score.breakdown) {
    out.push(c.dim(`    ${String(line.modifier).padStart(4)}  ${line.severity.padEnd(8)} ${line.ruleId}`));
  }
  const total = score.breakdown.reduce((sum, l) => sum + l.modifier, 0);
  if (score.breakdown.length > 0) {
    out.push(
      c.dim(
        `    ${String(total).padStart(4)}  from ${SCORING.start}${SCORING.start + total < 0 ? ", floored at 0" : ""}`,
      ),
    );
  }
  if (score.cappedBy) {
    out.push(
      c.dim(
        `    capped at ${SCORING.criticalCap}: a critical finding (${score.cappedBy}) keeps the grade at D or below`,
      ),
    );
  }
  out.push("");

  const findingsByRule = new Map<string, Finding[]>();
  for (const f of report.findings) findingsByRule.set(f.ruleId, [...(findingsByRule.get(f.ruleId) ?? []), f]);
  for (const category of CATEGORIES) {
    const checks = report.checks.filter(
      (k) => k.category === category && (!options.quiet || k.status === "fail" || k.status === "warn"),
    );
    if (checks.length === 0) continue;
    out.push(c.bold.underline(category));
    const skippedHere = checks.filter((k) => k.status === "skip");
    for (const check of sortChecks(checks.filter((k) => k.status !== "skip"))) {
      const mark =
        check.status === "pass"
          ? c.green(MARK.pass)
          : check.status === "fail"
            ? c.red(MARK.fail)
            : check.status === "warn"
              ? c.yellow(MARK.warn)
              : c.dim(MARK.skip);
      const count = check.findingCount > 0 ? c.dim(`  (${check.findingCount})`) : "";
      const title = check.status === "pass" ? `${check.title}${c.dim(" · none found")}` : check.title;
      out.push(`  ${mark} ${title}${count} ${c.dim(`[${check.id}]`)}`);
      const findings = findingsByRule.get(check.id) ?? [];
      for (const f of findings) {
        out.push(`      ${sev(f.severity)} ${c.cyan(where(f))}  ${f.message}`);
        if (f.evidence) out.push(c.dim(`               ${f.evidence}`));
        for (const r of f.related ?? [])
          out.push(
            c.dim(
              `               cause: ${r.location.url ?? `${r.location.file}:${r.location.line}`} [${r.ruleId}]`,
            ),
          );
      }
      if (findings.length > 0) {
        const fix = findings[0]?.remediation.replace(/\s+/g, " ").trim() ?? "";
        out.push(`      ${c.green("fix:")} ${fix}`);
      }
    }
    // Skipped checks take one line per category (with 89 rules, most projects lack most file kinds):
    // how many, and why, each reason counted.
    const reasons = new Map<string, number>();
    for (const k of skippedHere)
      reasons.set(k.reason ?? "skipped", (reasons.get(k.reason ?? "skipped") ?? 0) + 1);
    if (skippedHere.length > 0) {
      const why = [...reasons]
        .sort((a, b) => b[1] - a[1])
        .map(([reason, n]) => (reasons.size > 1 && n > 1 ? `${reason} ×${n}` : reason))
        .join("; ");
      const n = skippedHere.length;
      out.push(c.dim(`  ${MARK.skip} ${n} check${n > 1 ? "s" : ""} skipped: ${why}`));
    }
    out.push("");
  }

  const s = summary.bySeverity;
  out.push(
    `${c.bold("Findings")} ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info` +
      c.dim(
        `  ·  checks: ${summary.checks.fail} fail, ${summary.checks.warn} warn, ${summary.checks.pass} pass, ${summary.checks.skip} skip`,
      ),
  );
  if (report.suppressed.length > 0) {
    const kinds = new Map<string, number>();
    for (const f of report.suppressed) {
      const k = f.suppression?.kind ?? "other";
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const parts = [...kinds].map(([k, n]) => `${n} ${k}`).join(", ");
    out.push(
      c.dim(
        `Suppressed ${report.suppressed.length} finding(s) on purpose (${parts}); they are listed in the JSON and SARIF reports`,
      ),
    );
  }
  for (const p of report.probe) {
    out.push(
      c.dim(
        `Probe ${p.url}: ${p.requestsSent} requests (budget ${p.requestBudget}) in ${(p.wallMs / 1000).toFixed(1)} s`,
      ) + (p.notes.length ? c.yellow(` · ${p.notes.join("; ")}`) : ""),
    );
  }
  if (report.skipped.length > 0) {
    out.push(c.yellow(`Skipped ${report.skipped.length} file(s):`));
    for (const k of report.skipped) out.push(c.yellow(`  ${k.path}: ${k.reason}`));
  }
  for (const note of report.notes) out.push(c.dim(`Note: ${note}`));
  out.push(c.dim("Explain a rule: secaudit explain <rule-id>"));
  return `${out.join("\n")}\n`;
}

function where(f: Finding): string {
  const l = f.location;
  return l.url ?? `${l.file}:${l.line}`;
}

function sortChecks(checks: Check[]): Check[] {
  const order = { fail: 0, warn: 1, pass: 2, skip: 3 };
  return [...checks].sort((a, b) => order[a.status] - order[b.status] || a.id.localeCompare(b.id));
}

function paintSeverity(c: ChalkInstance, s: Severity): ChalkInstance {
  switch (s) {
    case "critical":
      return c.bgRed.white.bold;
    case "high":
      return c.red.bold;
    case "medium":
      return c.yellow;
    case "low":
      return c.blue;
    default:
      return c.dim;
  }
}
