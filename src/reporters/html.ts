import { createHash } from "node:crypto";
import type { ProbeSummary, Report } from "../engine/report.js";
import { SCORING } from "../engine/score.js";
import {
  CATEGORIES,
  type Category,
  type Check,
  type Finding,
  type Location,
  SEVERITIES,
  type Severity,
  type SkippedFile,
} from "../engine/types.js";

// One self-contained HTML page: inline CSS and a small inline script, nothing fetched, so it opens
// from file:// on an air-gapped machine. Every string that comes from the report passes through
// `esc` (messages and evidence come from scanned files and servers). The page's own Content
// Security Policy only allows the one script below (by hash) and no network at all, so even a
// mistake in escaping could neither run code nor phone home. Deterministic: no timestamps.

type Status = Check["status"];

const STATUSES: readonly Status[] = ["fail", "warn", "pass", "skip"];
const MARK: Record<Status, string> = { pass: "✓", fail: "✗", warn: "!", skip: "-" };
const STATUS_LABEL: Record<Status, string> = { pass: "pass", fail: "fail", warn: "warn", skip: "skip" };

/** HTML-escape text for element content and quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const esc = escapeHtml;

/** Escaped prose where `backticked` spans become <code> (applied after escaping, so it adds no markup of the input's). */
function prose(value: string): string {
  return esc(value.replace(/\s+/g, " ").trim()).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function where(l: Location): string {
  if (l.url) return l.url;
  if (!l.file) return "";
  return l.line ? `${l.file}:${l.line}` : l.file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function gradeClass(grade: string): string {
  if (grade.startsWith("A")) return "g-a";
  if (grade === "B") return "g-b";
  if (grade === "C") return "g-c";
  if (grade === "D") return "g-d";
  return "g-f";
}

function pill(s: Severity): string {
  return `<span class="pill sev-${s}">${s}</span>`;
}

function minus(n: number): string {
  return n < 0 ? `−${Math.abs(n)}` : String(n);
}

const SCRIPT = `(function () {
  var boxes = document.querySelectorAll("input[data-sev]");
  var items = document.querySelectorAll(".finding");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none-shown");
  function apply() {
    var off = {};
    for (var i = 0; i < boxes.length; i++) if (!boxes[i].checked) off[boxes[i].value] = true;
    var n = 0;
    for (var j = 0; j < items.length; j++) {
      var hide = off[items[j].getAttribute("data-sev")] === true;
      items[j].hidden = hide;
      if (!hide) n++;
    }
    if (shown) shown.textContent = n + " of " + items.length + " shown";
    if (none) none.hidden = n !== 0 || items.length === 0;
  }
  for (var k = 0; k < boxes.length; k++) boxes[k].addEventListener("change", apply);
  var all = document.getElementById("show-all");
  if (all) all.addEventListener("click", function () {
    for (var m = 0; m < boxes.length; m++) boxes[m].checked = true;
    apply();
  });
  apply();
})();`;

const SCRIPT_HASH = createHash("sha256").update(SCRIPT, "utf8").digest("base64");
const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${SCRIPT_HASH}'`,
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5f6b7a;--line:#e3e7ec;--code:#f2f4f7;--accent:#2563eb;
--pass:#16a34a;--fail:#dc2626;--warn:#d97706;--skip:#aab3bf;
--crit-bg:#b91c1c;--crit-fg:#fff;--high-bg:#fde2e1;--high-fg:#a31b1b;--med-bg:#fdefc8;--med-fg:#8a4b06;--low-bg:#dde9fd;--low-fg:#1e4aa8;--info-bg:#eceff3;--info-fg:#4b5563;
--high-line:#ea580c;--g-a:#15803d;--g-b:#4d7c0f;--g-c:#b45309;--g-d:#c2410c;--g-f:#b91c1c}
@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--card:#171c23;--fg:#e6e9ee;--muted:#97a3b3;--line:#2a313b;--code:#0c1015;--accent:#7aa7ff;
--pass:#3fbf6b;--fail:#f05252;--warn:#f0a020;--skip:#4b5563;
--crit-bg:#e0393e;--crit-fg:#fff;--high-bg:#4a1d1f;--high-fg:#ffb4ae;--med-bg:#45330f;--med-fg:#fcd58a;--low-bg:#1b2d4d;--low-fg:#a9c6ff;--info-bg:#262d36;--info-fg:#b7c0cc;
--high-line:#f97316;--g-a:#22a554;--g-b:#6c9f1a;--g-c:#d08a10;--g-d:#e0651f;--g-f:#e0393e}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 20px 48px}
h1,h2,h3{line-height:1.25;margin:0}
h2{font-size:1.2rem;margin:36px 0 14px;display:flex;align-items:baseline;gap:10px}
h2 small{font-size:.85rem;font-weight:400;color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.86em}
p code,li code,td code,.fix code{background:var(--code);border:1px solid var(--line);border-radius:4px;padding:0 4px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px}
.muted{color:var(--muted)}
.top{display:grid;grid-template-columns:auto 1fr auto;gap:24px;align-items:center}
.scorebox{text-align:right;min-width:200px}
.small{font-size:.82rem}
.brand{font-size:.9rem;color:var(--muted);letter-spacing:.02em}
.brand strong{color:var(--fg)}
.badge{width:132px;height:132px;border-radius:22px;display:flex;flex-direction:column;align-items:center;justify-content:center;color:#fff;box-shadow:0 6px 18px rgba(0,0,0,.12)}
.badge .grade{font-size:64px;font-weight:800;line-height:1;letter-spacing:-.02em}
.badge .label{font-size:.72rem;text-transform:uppercase;letter-spacing:.12em;opacity:.9;margin-top:6px}
.g-a{background:var(--g-a)}.g-b{background:var(--g-b)}.g-c{background:var(--g-c)}.g-d{background:var(--g-d)}.g-f{background:var(--g-f)}
h1{font-size:1.55rem;margin:2px 0 6px;word-break:break-word}
.targets{margin:0;padding:0;list-style:none;color:var(--muted);font-size:.92rem}
.targets code{color:var(--fg)}
.scoreline{display:flex;align-items:baseline;justify-content:flex-end;gap:6px;margin:0 0 8px}
.scoreline .value{font-size:3rem;font-weight:800;line-height:1;font-variant-numeric:tabular-nums}
.scoreline .of{color:var(--muted)}
.meter{height:8px;border-radius:99px;background:var(--line);overflow:hidden;margin-bottom:6px}
.meter span{display:block;height:100%;border-radius:99px}
.breakdown{margin-top:18px;border-top:1px solid var(--line);padding-top:12px}
.breakdown h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin-bottom:6px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.breakdown td{font-size:.92rem}
.breakdown td.mod{font-variant-numeric:tabular-nums;font-weight:700;color:var(--fail);width:4.5em;text-align:right}
.breakdown tr.total td{border-bottom:0;color:var(--muted);font-weight:400}
.breakdown tr.total td.mod{color:var(--fg)}
.cap{margin:8px 0 0;font-size:.9rem;color:var(--muted)}
.pill{display:inline-block;min-width:4.9em;text-align:center;font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;border-radius:99px;padding:2px 9px;line-height:1.5;white-space:nowrap}
.sev-critical{background:var(--crit-bg);color:var(--crit-fg)}.sev-high{background:var(--high-bg);color:var(--high-fg)}
.sev-medium{background:var(--med-bg);color:var(--med-fg)}.sev-low{background:var(--low-bg);color:var(--low-fg)}.sev-info{background:var(--info-bg);color:var(--info-fg)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.sub{margin:8px 0 0;font-size:.85rem}.sub a{color:inherit}
details.suppressed summary{cursor:pointer;color:var(--accent)}
details.suppressed table{margin-top:10px;font-size:.9rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 14px}
.stat h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);font-weight:600;margin-bottom:8px}
.counts{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px 14px}
.counts li{display:flex;align-items:center;gap:6px}
.counts strong{font-size:1.25rem;font-variant-numeric:tabular-nums}
.zero{opacity:.45}
.dot{width:10px;height:10px;border-radius:3px;display:inline-block}
.st-pass{background:var(--pass)}.st-fail{background:var(--fail)}.st-warn{background:var(--warn)}.st-skip{background:var(--skip)}
.cats{display:grid;grid-template-columns:minmax(130px,max-content) 1fr minmax(180px,max-content);gap:9px 16px;align-items:center}
.cats .name{font-weight:600;font-size:.92rem}
.bar{display:flex;height:14px;border-radius:99px;overflow:hidden;background:var(--line)}
.bar span{display:block;height:100%}
.bar span+span{border-left:2px solid var(--card)}
.cats .nums{font-size:.85rem;color:var(--muted);font-variant-numeric:tabular-nums}
.cats .nums strong{color:var(--fg)}
.legend{display:flex;gap:16px;margin-top:14px;font-size:.85rem;color:var(--muted)}
.legend span{display:inline-flex;align-items:center;gap:6px}
.filters{position:sticky;top:0;z-index:2;background:var(--bg);border:0;margin:0 0 12px;padding:10px 0;display:flex;flex-wrap:wrap;align-items:center;gap:8px 10px;border-bottom:1px solid var(--line)}
.filters legend{float:left;font-size:.85rem;color:var(--muted);margin-right:4px;padding:0}
.filters label{display:inline-flex;align-items:center;gap:6px;cursor:pointer;background:var(--card);border:1px solid var(--line);border-radius:99px;padding:3px 10px 3px 6px;font-size:.9rem;user-select:none}
.filters label:has(input:not(:checked)){opacity:.55}
.filters input{margin:0;accent-color:var(--accent)}
.filters button{font:inherit;font-size:.85rem;background:none;border:1px solid var(--line);border-radius:99px;padding:3px 12px;color:var(--accent);cursor:pointer}
.filters output{margin-left:auto;font-size:.85rem;color:var(--muted)}
.findings{display:grid;gap:10px}
.finding{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--info-fg);border-radius:10px;padding:12px 16px}
.finding[data-sev=critical]{border-left-color:var(--crit-bg)}.finding[data-sev=high]{border-left-color:var(--high-line)}
.finding[data-sev=medium]{border-left-color:var(--warn)}.finding[data-sev=low]{border-left-color:var(--accent)}
.finding header{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.finding h3{font-size:1.02rem;flex:1 1 auto;min-width:12em}
.rule{font-size:.8rem;color:var(--muted)}
.finding p{margin:6px 0 0}
.msg{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.finding code.where{background:none;border:0;padding:0;color:var(--accent);font-weight:600;word-break:break-all}
.finding pre{margin:8px 0 0;background:var(--code);border:1px solid var(--line);border-radius:6px;padding:6px 10px;font-size:.88rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
pre code{font-size:inherit}
.fix{background:color-mix(in srgb,var(--pass) 9%,transparent);border-radius:6px;padding:6px 10px;font-size:.88rem}
.fix strong{color:var(--pass);margin-right:6px}
.related{font-size:.88rem;color:var(--muted);margin-top:6px;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.related ul{display:contents;list-style:none}
.related li{display:inline}
.empty{text-align:center;color:var(--muted);padding:26px}
.checklist{columns:2 440px;column-gap:14px}
.cat{break-inside:avoid;margin:0 0 14px;display:inline-block;width:100%}
.cat h3{font-size:.95rem;margin-bottom:6px;display:flex;justify-content:space-between;gap:8px}
.cat h3 span{font-weight:400;font-size:.82rem;color:var(--muted)}
.checks{list-style:none;margin:0;padding:0}
.checks li{display:grid;grid-template-columns:1.4em 1fr auto;gap:6px;padding:5px 0;border-top:1px solid var(--line);font-size:.9rem;align-items:baseline}
.checks li:first-child{border-top:0}
.mark{font-weight:800;text-align:center}
.m-pass{color:var(--pass)}.m-fail{color:var(--fail)}.m-warn{color:var(--warn)}.m-skip{color:var(--muted)}
.checks code.id{display:block;font-size:.76rem;color:var(--muted);background:none;border:0;padding:0}
.checks a{color:inherit;text-decoration-color:var(--line);text-underline-offset:3px}
.checks a:hover{color:var(--accent)}
.checks .n{font-size:.8rem;color:var(--muted);white-space:nowrap}
details.skipped{border-top:1px solid var(--line);padding:5px 0 0;font-size:.88rem;color:var(--muted)}
details.skipped summary{cursor:pointer}
details.skipped ul{margin:4px 0 2px;padding-left:26px}
.details{display:grid;gap:12px}
.details h3{font-size:.95rem;margin-bottom:8px}
.details ul{margin:0;padding-left:18px}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
footer{margin-top:36px;color:var(--muted);font-size:.85rem;text-align:center}
a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
@media (max-width:640px){.top{grid-template-columns:1fr}.scorebox{text-align:left}.scoreline{justify-content:flex-start}.cats{grid-template-columns:1fr}.badge{width:104px;height:104px}.badge .grade{font-size:50px}}
@media print{.filters{position:static}.finding,.cat{break-inside:avoid}}
`
  .trim()
  .replace(/\n/g, "");

/** The report as one self-contained HTML page (inline CSS and JS, no network, works from file://). */
export function formatHtml(report: Report): string {
  const titleById = new Map(report.checks.map((c) => [c.id, c.title]));
  const target = [report.target.root, ...report.target.urls].filter(Boolean).join(", ");
  const body = [
    header(report, titleById),
    overview(report),
    findingsSection(report.findings),
    suppressedSection(report.suppressed ?? []),
    checklist(report),
    details(report),
    `<footer>Generated by secaudit ${esc(report.tool.version)} · scoring algorithm v${esc(report.score.algorithmVersion)} · explain a rule: <code>secaudit explain &lt;rule-id&gt;</code></footer>`,
  ].join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="secaudit ${esc(report.tool.version)}">
<title>secaudit ${esc(report.score.grade)} (${esc(report.score.value)}/100) · ${esc(target)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function header(report: Report, titleById: Map<string, string>): string {
  const { score } = report;
  const g = gradeClass(score.grade);
  const targets: string[] = [];
  if (report.target.root) targets.push(`<li>Directory <code>${esc(report.target.root)}</code></li>`);
  for (const url of report.target.urls) targets.push(`<li>URL <code>${esc(url)}</code></li>`);
  if (report.target.urls.length === 0) targets.push("<li>No live probe (no <code>--url</code>)</li>");
  const heading = report.target.root || report.target.urls[0] || "secaudit report";

  const rows = score.breakdown.map(
    (l) =>
      `<tr><td class="mod">${minus(l.modifier)}</td><td>${pill(l.severity)}</td><td>${esc(titleById.get(l.ruleId) ?? l.ruleId)} <code class="rule">${esc(l.ruleId)}</code></td></tr>`,
  );
  const total = score.breakdown.reduce((sum, l) => sum + l.modifier, 0);
  if (score.breakdown.length > 0) {
    const floored = SCORING.start + total < 0 ? ", floored at 0" : "";
    rows.push(
      `<tr class="total"><td class="mod">${minus(total)}</td><td colspan="2">from ${SCORING.start}${floored}</td></tr>`,
    );
  }
  const breakdown =
    score.breakdown.length > 0
      ? `<table><thead><tr><th scope="col">Points</th><th scope="col">Worst</th><th scope="col">Failed check</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : `<p class="muted">No failed check cost points: ${SCORING.start}/${SCORING.start}.</p>`;
  const cap = score.cappedBy
    ? `<p class="cap">Capped at ${SCORING.criticalCap}: a critical finding (<code>${esc(score.cappedBy)}</code>) keeps the grade at D or below.</p>`
    : "";
  const pct = Math.max(0, Math.min(100, score.value));
  return `<header class="card">
<div class="top">
<div class="badge ${g}" role="img" aria-label="Grade ${esc(score.grade)}"><span class="grade">${esc(score.grade)}</span><span class="label">grade</span></div>
<div>
<div class="brand"><strong>${esc(report.tool.name)}</strong> ${esc(report.tool.version)} · security posture report</div>
<h1>${esc(heading)}</h1>
<ul class="targets">${targets.join("")}<li>${plural(report.summary.filesScanned, "file")} read</li></ul>
</div>
<div class="scorebox">
<div class="scoreline"><span class="value" id="score">${esc(score.value)}</span><span class="of">/ 100</span></div>
<div class="meter" role="meter" aria-label="Score" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${esc(score.value)}"><span class="${g}" style="width:${pct}%"></span></div>
<div class="muted small">score · ${plural(score.breakdown.length, "failed check")}</div>
</div>
</div>
<section class="breakdown" aria-labelledby="h-breakdown">
<h3 id="h-breakdown">Score breakdown</h3>
${breakdown}
${cap}
</section>
</header>`;
}

function overview(report: Report): string {
  const s = report.summary;
  const sev = SEVERITIES.map(
    (v) =>
      `<li class="${s.bySeverity[v] === 0 ? "zero" : ""}"><strong>${esc(s.bySeverity[v])}</strong>${pill(v)}</li>`,
  ).join("");
  const checks = STATUSES.map(
    (st) =>
      `<li class="${s.checks[st] === 0 ? "zero" : ""}"><span class="dot st-${st}"></span><strong>${esc(s.checks[st])}</strong>${STATUS_LABEL[st]}</li>`,
  ).join("");
  const total = report.findings.length;
  const suppressed =
    s.suppressed > 0
      ? `<p class="muted sub"><a href="#h-suppressed">${esc(s.suppressed)} suppressed on purpose</a></p>`
      : "";
  const stats = `<div class="stats">
<div class="stat"><h3>Findings · ${esc(total)}</h3><ul class="counts">${sev}</ul>${suppressed}</div>
<div class="stat"><h3>Checks · ${esc(report.checks.length)}</h3><ul class="counts">${checks}</ul></div>
</div>`;

  const rows = CATEGORIES.map((cat) => categoryRow(cat, report.checks)).join("\n");
  const legend = STATUSES.map(
    (st) => `<span><span class="dot st-${st}"></span>${STATUS_LABEL[st]}</span>`,
  ).join("");
  return `<section aria-labelledby="h-overview">
<h2 id="h-overview">Overview</h2>
${stats}
<div class="card" style="margin-top:12px">
<h3 class="muted" style="font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;margin-bottom:12px">Checks by category</h3>
<div class="cats">
${rows}
</div>
<div class="legend" aria-hidden="true">${legend}</div>
</div>
</section>`;
}

function categoryRow(cat: Category, all: readonly Check[]): string {
  const checks = all.filter((c) => c.category === cat);
  const n: Record<Status, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) n[c.status]++;
  const present = STATUSES.filter((st) => n[st] > 0);
  const label = checks.length === 0 ? "no checks" : present.map((st) => `${n[st]} ${st}`).join(", ");
  const segments = present
    .map(
      (st) =>
        `<span class="st-${st}" style="width:${((n[st] / checks.length) * 100).toFixed(2)}%" title="${n[st]} ${st}"></span>`,
    )
    .join("");
  const nums =
    checks.length === 0 ? "no checks" : present.map((st) => `<strong>${n[st]}</strong> ${st}`).join(" · ");
  return `<div class="name">${esc(cat)}</div><div class="bar" role="img" aria-label="${esc(cat)}: ${esc(label)}">${segments}</div><div class="nums">${nums}</div>`;
}

function findingsSection(findings: readonly Finding[]): string {
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  if (findings.length === 0) {
    return `<section aria-labelledby="h-findings">
<h2 id="h-findings">Findings</h2>
<div class="card empty"><strong>No findings.</strong> Every applicable check passed.</div>
</section>`;
  }
  const filters = SEVERITIES.map(
    (s) =>
      `<label for="sev-${s}"><input type="checkbox" id="sev-${s}" value="${s}" data-sev="${s}" checked>${pill(s)}<span class="muted">${counts.get(s) ?? 0}</span></label>`,
  ).join("");
  const cards = findings.map((f, i) => findingCard(f, i)).join("\n");
  return `<section aria-labelledby="h-findings">
<h2 id="h-findings">Findings <small>${plural(findings.length, "finding")}, worst first</small></h2>
<fieldset class="filters"><legend>Show severity</legend>${filters}<button type="button" id="show-all">Show all</button><output id="shown" aria-live="polite">${findings.length} of ${findings.length} shown</output></fieldset>
<div class="findings">
${cards}
<div class="card empty" id="none-shown" hidden>No finding matches the selected severities.</div>
</div>
</section>`;
}

function findingCard(f: Finding, index: number): string {
  const loc = where(f.location);
  const parts = [
    `<article class="finding" data-sev="${esc(f.severity)}" id="f-${index}" aria-labelledby="f-${index}-t">`,
    `<header>${pill(f.severity)}<h3 id="f-${index}-t">${esc(f.title)}</h3><code class="rule">${esc(f.ruleId)}</code></header>`,
    `<p class="msg">${loc ? `<code class="where" title="${f.location.url ? "URL" : "File"}">${esc(loc)}</code>` : ""}<span>${prose(f.message)}</span></p>`,
  ];
  if (f.evidence) parts.push(`<pre><code>${esc(f.evidence)}</code></pre>`);
  if (f.remediation) parts.push(`<p class="fix"><strong>Fix</strong>${prose(f.remediation)}</p>`);
  if (f.related && f.related.length > 0) {
    const items = f.related
      .map(
        (r) => `<li><code>${esc(where(r.location))}</code> <span class="rule">${esc(r.ruleId)}</span></li>`,
      )
      .join("");
    parts.push(`<div class="related">Static cause${f.related.length > 1 ? "s" : ""}:<ul>${items}</ul></div>`);
  }
  parts.push("</article>");
  return parts.join("");
}

function suppressedSection(suppressed: readonly Finding[]): string {
  if (suppressed.length === 0) return "";
  const rows = suppressed
    .map((f) => {
      const why = f.suppression?.justification
        ? esc(f.suppression.justification)
        : '<span class="muted">no reason given</span>';
      return `<tr><td>${pill(f.severity)}</td><td>${esc(f.title)} <code class="rule">${esc(f.ruleId)}</code></td><td><code>${esc(where(f.location))}</code></td><td>${esc(f.suppression?.kind ?? "other")}</td><td>${why}</td></tr>`;
    })
    .join("");
  return `<section aria-labelledby="h-suppressed">
<h2 id="h-suppressed">Suppressed <small>${plural(suppressed.length, "finding")} accepted on purpose; not counted in the score</small></h2>
<details class="card suppressed"><summary>Show suppressed findings</summary>
<table><thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Location</th><th scope="col">How</th><th scope="col">Reason</th></tr></thead><tbody>${rows}</tbody></table>
</details>
</section>`;
}

function checklist(report: Report): string {
  const firstFinding = new Map<string, number>();
  report.findings.forEach((f, i) => {
    if (!firstFinding.has(f.ruleId)) firstFinding.set(f.ruleId, i);
  });
  const order: Record<Status, number> = { fail: 0, warn: 1, pass: 2, skip: 3 };
  const groups: string[] = [];
  for (const cat of CATEGORIES) {
    const checks = report.checks.filter((c) => c.category === cat);
    if (checks.length === 0) continue;
    const active = checks
      .filter((c) => c.status !== "skip")
      .sort((a, b) => order[a.status] - order[b.status] || a.id.localeCompare(b.id));
    const items = active.map((c) => {
      const at = firstFinding.get(c.id);
      const title = at === undefined ? esc(c.title) : `<a href="#f-${at}">${esc(c.title)}</a>`;
      const n =
        c.findingCount > 0 ? plural(c.findingCount, "finding") : c.status === "pass" ? "none found" : "";
      return `<li><span class="mark m-${c.status}" role="img" aria-label="${c.status}">${MARK[c.status]}</span><span>${title}<code class="id">${esc(c.id)}</code></span><span class="n">${n}</span></li>`;
    });
    const reasons = new Map<string, Check[]>();
    for (const c of checks.filter((k) => k.status === "skip")) {
      const reason = c.reason ?? "skipped";
      reasons.set(reason, [...(reasons.get(reason) ?? []), c]);
    }
    const skipped = [...reasons].map(
      ([reason, list]) =>
        `<details class="skipped"><summary><span class="mark m-skip">${MARK.skip}</span> ${plural(list.length, "check")} skipped: ${esc(reason)}</summary><ul>${list
          .map((c) => `<li>${esc(c.title)} <code>${esc(c.id)}</code></li>`)
          .join("")}</ul></details>`,
    );
    const tally = STATUSES.map((st) => [st, checks.filter((c) => c.status === st).length] as const)
      .filter(([, n]) => n > 0)
      .map(([st, n]) => `${n} ${st}`)
      .join(" · ");
    groups.push(`<section class="cat card" aria-labelledby="c-${cat}">
<h3 id="c-${cat}">${esc(cat)}<span>${tally}</span></h3>
${items.length > 0 ? `<ul class="checks">${items.join("")}</ul>` : ""}${skipped.join("")}
</section>`);
  }
  return `<section aria-labelledby="h-checklist">
<h2 id="h-checklist">Checklist <small>every rule that applies, grouped by category</small></h2>
<div class="checklist">
${groups.join("\n")}
</div>
</section>`;
}

function details(report: Report): string {
  const blocks: string[] = [];
  if (report.probe.length > 0) blocks.push(probeTable(report.probe));
  if (report.skipped.length > 0) blocks.push(skippedFiles(report.skipped));
  if (report.notes.length > 0) {
    blocks.push(
      `<div class="card"><h3>Notes</h3><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></div>`,
    );
  }
  if (blocks.length === 0) return "";
  return `<section aria-labelledby="h-details">
<h2 id="h-details">About this scan</h2>
<div class="details">
${blocks.join("\n")}
</div>
</section>`;
}

function probeTable(probe: readonly ProbeSummary[]): string {
  const rows = probe
    .map(
      (p) =>
        `<tr><td><code>${esc(p.url)}</code></td><td class="num">${esc(p.requestsSent)} / ${esc(p.requestBudget)}</td><td class="num">${esc((p.wallMs / 1000).toFixed(1))} s</td><td>${p.notes.length > 0 ? esc(p.notes.join("; ")) : '<span class="muted">none</span>'}</td></tr>`,
    )
    .join("");
  return `<div class="card"><h3>Live probe</h3><table><thead><tr><th scope="col">URL</th><th scope="col">Requests / budget</th><th scope="col">Time</th><th scope="col">Notes</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function skippedFiles(skipped: readonly SkippedFile[]): string {
  const rows = skipped
    .map((k) => `<tr><td><code>${esc(k.path)}</code></td><td>${esc(k.reason)}</td></tr>`)
    .join("");
  return `<div class="card"><h3>Skipped ${plural(skipped.length, "file")}</h3><table><thead><tr><th scope="col">File</th><th scope="col">Reason</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
