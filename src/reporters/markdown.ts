import type { Report } from "../engine/report.js";
import { CATEGORIES, type Check, type Finding, SEVERITIES, type Severity } from "../engine/types.js";

// A pull-request comment (GitHub, GitLab, Gitea all render GitHub-flavoured Markdown): grade and score
// first, a checklist table by category, the critical and high findings in the open, everything else
// folded in <details>. Two guarantees:
// - It always fits in one GitHub comment (65,536 characters), however many findings there are: rows
//   are added against a budget and whatever does not fit is counted in an "… and N more" line that
//   points at the JSON/SARIF reports.
// - Scanned content cannot add markup: messages, paths, titles and notes are escaped (Markdown
//   punctuation backslash-escaped, `<`, `>` and `&` as entities, `@` broken so it mentions nobody,
//   newlines folded); evidence goes in a code span whose fence is longer than any backtick run in it,
//   with `|` escaped so it cannot end a table cell.

/** GitHub's limit on the body of an issue or pull-request comment. */
export const COMMENT_LIMIT = 65_536;
/** Rows stop being added once the comment reaches this size; the rest (closing tags, footer) fits in the margin. */
export const ROW_BUDGET = 60_000;
/** A hidden marker, so a CI job can find and update its previous comment instead of adding another. */
export const MARKER = "<!-- secaudit-report -->";

const MAX_CELL = 400;
const MAX_EVIDENCE = 200;
const OPEN_SEVERITIES: readonly Severity[] = ["critical", "high"];
const FOLDED_SEVERITIES: readonly Severity[] = ["medium", "low", "info"];
const GRADE_ICON: Record<string, string> = {
  "A+": "🟢",
  A: "🟢",
  B: "🟡",
  C: "🟡",
  D: "🔴",
  F: "🔴",
};
const SEVERITY_ICON: Record<Severity, string> = {
  critical: "🟥",
  high: "🟧",
  medium: "🟨",
  low: "🟦",
  info: "⬜",
};

/** The report as a Markdown pull-request comment, always under COMMENT_LIMIT characters. */
export function formatMarkdown(report: Report): string {
  const out = new Budget(ROW_BUDGET);
  const { score, summary } = report;
  const s = summary.bySeverity;

  out.add(MARKER);
  out.add(`## ${GRADE_ICON[score.grade] ?? "⚪"} secaudit: grade ${score.grade} (${score.value}/100)`);
  out.add("");
  const target = [report.target.root, ...report.target.urls]
    .filter(Boolean)
    .map((t) => code(t, { table: false }))
    .join(", ");
  out.add(
    `**${s.critical} critical · ${s.high} high · ${s.medium} medium · ${s.low} low · ${s.info} info**` +
      ` · checks: ${summary.checks.fail} fail, ${summary.checks.warn} warn, ${summary.checks.pass} pass, ${summary.checks.skip} skip` +
      ` · ${summary.filesScanned} file${summary.filesScanned === 1 ? "" : "s"} read${target ? ` · ${target}` : ""}`,
  );
  if (score.cappedBy) {
    out.add("");
    out.add(`The score is capped at a D by a critical finding (${code(score.cappedBy, { table: false })}).`);
  }
  out.add("");

  // The checklist by category: at most 11 rows, always shown.
  out.add("| Category | ✗ fail | ! warn | ✓ pass | – skip |");
  out.add("| --- | ---: | ---: | ---: | ---: |");
  for (const category of CATEGORIES) {
    const checks = report.checks.filter((c) => c.category === category);
    if (checks.length === 0) continue;
    const n = (status: Check["status"]): number => checks.filter((c) => c.status === status).length;
    out.add(`| ${category} | ${n("fail")} | ${n("warn")} | ${n("pass")} | ${n("skip")} |`);
  }
  out.add("");

  const findings = sortFindings(report.findings);
  const open = findings.filter((f) => OPEN_SEVERITIES.includes(f.severity));
  const folded = findings.filter((f) => FOLDED_SEVERITIES.includes(f.severity));

  if (findings.length === 0) {
    out.add("No findings. ✅");
    out.add("");
  }
  if (open.length > 0) {
    out.add(`### Critical and high findings (${open.length})`);
    out.add("");
    findingTable(out, open);
    out.add("");
  }
  if (folded.length > 0) {
    const counts = FOLDED_SEVERITIES.map((sev) => `${s[sev]} ${sev}`).join(", ");
    out.add(`<details><summary>Medium, low and info findings (${counts})</summary>`);
    out.add("");
    findingTable(out, folded);
    out.add("");
    out.add("</details>");
    out.add("");
  }

  const suppressed = report.suppressed ?? [];
  if (suppressed.length > 0) {
    out.add(`<details><summary>Suppressed on purpose (${suppressed.length})</summary>`);
    out.add("");
    rows(
      out,
      ["| Severity | Rule | Location | Kind | Reason |", "| --- | --- | --- | --- | --- |"],
      sortFindings(suppressed).map(
        (f) =>
          `| ${f.severity} | ${code(f.ruleId)} | ${text(where(f))} | ${f.suppression?.kind ?? "other"} | ${text(f.suppression?.justification ?? "")} |`,
      ),
      "suppressed findings",
    );
    out.add("");
    out.add("</details>");
    out.add("");
  }

  if (score.breakdown.length > 0) {
    out.add("<details><summary>How the score was computed</summary>");
    out.add("");
    rows(
      out,
      ["| Points | Severity | Rule |", "| ---: | --- | --- |"],
      score.breakdown.map((l) => `| ${l.modifier} | ${l.severity} | ${code(l.ruleId)} |`),
      "score lines",
    );
    out.add("");
    out.add("</details>");
    out.add("");
  }

  if (report.probe.length > 0) {
    out.add(
      `<details><summary>Live probe (${report.probe.length} target${report.probe.length === 1 ? "" : "s"})</summary>`,
    );
    out.add("");
    rows(
      out,
      ["| URL | Requests | Budget | Time | Notes |", "| --- | ---: | ---: | ---: | --- |"],
      report.probe.map(
        (p) =>
          `| ${code(p.url)} | ${p.requestsSent} | ${p.requestBudget} | ${(p.wallMs / 1000).toFixed(1)} s | ${text(p.notes.join("; "))} |`,
      ),
      "probed targets",
    );
    out.add("");
    out.add("</details>");
    out.add("");
  }

  if (report.skipped.length > 0) {
    out.add(`<details><summary>Skipped files (${report.skipped.length})</summary>`);
    out.add("");
    rows(
      out,
      ["| File | Reason |", "| --- | --- |"],
      report.skipped.map((k) => `| ${text(k.path)} | ${text(k.reason)} |`),
      "skipped files",
    );
    out.add("");
    out.add("</details>");
    out.add("");
  }

  if (report.notes.length > 0) {
    out.add("<details><summary>Notes</summary>");
    out.add("");
    rows(
      out,
      [],
      report.notes.map((n) => `- ${text(n)}`),
      "notes",
    );
    out.add("");
    out.add("</details>");
    out.add("");
  }

  out.add(
    `<sub>secaudit ${text(report.tool.version)} · score algorithm v${score.algorithmVersion} · ` +
      "`secaudit explain <rule-id>` tells why a rule matters and how to fix it</sub>",
  );
  return out.finish();
}

/** Findings worst first; the report's own order within a severity. */
function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITIES.indexOf(a.f.severity) - SEVERITIES.indexOf(b.f.severity) || a.i - b.i)
    .map(({ f }) => f);
}

function findingTable(out: Budget, findings: readonly Finding[]): void {
  rows(
    out,
    ["| Severity | Rule | Location | Finding | Evidence |", "| --- | --- | --- | --- | --- |"],
    findings.map(
      (f) =>
        `| ${SEVERITY_ICON[f.severity]} ${f.severity} | ${code(f.ruleId)} | ${text(where(f))} | ${text(f.message)} | ${f.evidence ? code(f.evidence, { max: MAX_EVIDENCE }) : ""} |`,
    ),
    "findings",
  );
}

/** A table (or list) whose rows are added while they fit; the rest is counted in one line. */
function rows(out: Budget, header: readonly string[], body: readonly string[], what: string): void {
  const more = (n: number): string => `… and ${n} more ${what} (see the JSON/SARIF report)`;
  // Room for the header, the first row and the "… and N more" line, or no table at all.
  const headerSize = header.reduce((n, l) => n + l.length + 1, 0);
  let shown = 0;
  if (body.length > 0 && out.fits(headerSize + (body[0]?.length ?? 0) + 1 + more(body.length).length + 2)) {
    for (const line of header) out.add(line);
    for (const row of body) {
      if (!out.fits(row.length + 1 + more(body.length).length + 2)) break;
      out.add(row);
      shown++;
    }
  }
  if (shown < body.length) {
    if (shown > 0) out.add("");
    out.add(more(body.length - shown));
  }
}

class Budget {
  private readonly lines: string[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  fits(n: number): boolean {
    return this.size + n <= this.limit;
  }

  /** Add a line: callers ask `fits` first for anything that can grow with the report. */
  add(line: string): void {
    this.lines.push(line);
    this.size += line.length + 1;
  }

  finish(): string {
    let s = `${this.lines.join("\n")}\n`;
    // The budget leaves thousands of characters of margin; this is the last line of defence.
    if (s.length > COMMENT_LIMIT) {
      const tail = "\n\n… (truncated: see the JSON/SARIF report)\n";
      s = s.slice(0, COMMENT_LIMIT - tail.length) + tail;
    }
    return s;
  }
}

function where(f: Finding): string {
  const l = f.location;
  if (l.file) return l.line ? `${l.file}:${l.line}` : l.file;
  return l.url ?? "";
}

/**
 * Report text as inert Markdown for a table cell: one line, Markdown punctuation backslash-escaped,
 * `<`, `>` and `&` as entities, `@` followed by a zero-width space so it mentions nobody, capped in length.
 */
export function text(value: string, max = MAX_CELL): string {
  return truncate(oneLine(value), max)
    .replace(/[\\`*_[\]()#!~|]/g, (ch) => `\\${ch}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@&#8203;");
}

/**
 * A code span that shows `value` literally: the fence is one backtick longer than the longest
 * backtick run inside, padded with a space when the value starts or ends with a backtick. In a table
 * cell `|` is escaped too (GFM removes the backslash before splitting cells, so the pipe shows as
 * itself). Code spans render `<`, `&`, `@` and `*` as typed, so nothing else needs escaping.
 */
export function code(value: string, options: { max?: number; table?: boolean } = {}): string {
  let body = truncate(oneLine(value), options.max ?? MAX_CELL);
  if (options.table !== false) body = body.replace(/\|/g, "\\|");
  if (body === "") return "";
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
  return `${fence}${pad}${body}${pad}${fence}`;
}

function oneLine(s: string): string {
  // Control characters (a NUL, an escape sequence) have no business in a comment.
  return s
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not leave half of a surrogate pair behind.
  return `${s.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, "")}…`;
}
