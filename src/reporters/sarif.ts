import type { Report } from "../engine/report.js";
import type { Rule } from "../engine/schema.js";
import type { Category, Finding, Location, Severity } from "../engine/types.js";

// SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif) and any other SARIF viewer.
//
// What GitHub needs, and how this file answers it:
// - One run, `tool.driver.rules` holding EVERY loaded rule, sorted by id (GitHub recommends describing
//   all rules, and it shows a rule that ran and found nothing); each result's `ruleIndex` points into
//   that array. A finding whose rule is not among `rules` (a report rendered
//   with another rule set) gets a descriptor built from the finding, so no index ever dangles.
// - `properties.security-severity` on each rule: GitHub derives an alert's Critical/High/Medium/Low
//   from it (> 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, < 4.0 low), and only for rules tagged
//   "security". Our table: critical "9.5", high "8.0", medium "5.5", low "3.0", info "0.0".
//   GitHub reads it per rule, not per result, so a finding re-rated by `severityWhen` (a placeholder
//   in an example file is info) still shows its rule's severity there; the result's `level` and
//   `properties.severity` carry the finding's own severity.
// - `level`: critical/high -> "error", medium -> "warning", low/info -> "note".
// - Locations are relative to the scanned root, `/`-separated and percent-encoded per segment, with
//   `uriBaseId: "%SRCROOT%"`. There is no `run.originalUriBaseIds`: it would hold an absolute path
//   (different on every machine, so the output would not be deterministic) and code scanning ignores
//   it anyway; relative URIs are resolved against the repository root, so scan the repository root
//   (or the path GitHub knows) when uploading.
// - `partialFingerprints["secaudit/v1"]` is the finding's fingerprint (stable across runs and
//   unrelated edits), so alerts follow a finding when lines move instead of GitHub's line hash.
//
// Probe findings (location `{url}`) have no file, but code scanning requires a physical location
// with a relative file URI: an `http(s)` URI is rejected ("URI scheme did not match the checkout URI
// scheme") and so is an empty one. So:
// 1. when the finding has a static cause (`related`, e.g. CORS_ORIGINS=* in .env behind a live
//    wildcard CORS answer), the result points at the first cause that has a file, and every cause
//    is also listed in `relatedLocations`;
// 2. otherwise it points at `.secaudit/probe/<host>` (host and port of the probed URL, characters
//    outside [A-Za-z0-9.-] replaced by `_`), line 1: a stable path that does not exist in the
//    repository. GitHub accepts it and shows the alert without a code snippet; the alert still
//    groups per probed host and dedupes through the fingerprint.
// In both cases the URL is appended to `message.text` and kept in `properties.url`.
//
// Suppressed findings (report.suppressed, or any finding with `suppression`) are emitted as results
// with `suppressions: [{ kind, status: "accepted", justification }]`: `inSource` for an inline
// `secaudit-ignore` comment, `external` for the config file and the baseline, so the decision stays on
// record. SARIF viewers that honour suppressions hide them; on GitHub, whether an upload alone closes
// such an alert has varied (the advanced-security/dismiss-alerts action exists to dismiss them from
// this same field), so a user who wants them gone there can run that action after the upload.
//
// The output is deterministic: no timestamps, no absolute paths, no machine names.

export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const INFORMATION_URI = "https://www.npmjs.com/package/secaudit";
/** The key of `result.partialFingerprints`; bump the version if the fingerprint algorithm changes. */
export const FINGERPRINT_KEY = "secaudit/v1";
/** Where a probe finding without a static cause points (see the top of this file). */
export const PROBE_ARTIFACT_DIR = ".secaudit/probe";

/** GitHub's `security-severity` (a string holding a number from 0.0 to 10.0) for each severity. */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

export type SarifLevel = "error" | "warning" | "note";
export const SARIF_LEVEL: Record<Severity, SarifLevel> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

const PRECISION: Record<Rule["confidence"], "high" | "medium" | "low"> = {
  high: "high",
  medium: "medium",
  low: "low",
};

interface SarifMessage {
  text: string;
}

interface SarifRegion {
  startLine: number;
  startColumn?: number;
}

interface SarifLocation {
  id?: number;
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId: "%SRCROOT%" };
    region: SarifRegion;
  };
  message?: SarifMessage;
}

interface SarifDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: {
    "security-severity": string;
    tags: string[];
    precision: "very-high" | "high" | "medium" | "low";
    category: Category;
    severity: Severity;
  };
}

interface SarifSuppression {
  kind: "inSource" | "external";
  status: "accepted";
  justification?: string;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: SarifSuppression[];
  properties: {
    severity: Severity;
    category: Category;
    evidence?: string;
    url?: string;
  };
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: [
    {
      tool: {
        driver: {
          name: "secaudit";
          version: string;
          semanticVersion: string;
          informationUri: string;
          rules: SarifDescriptor[];
        };
      };
      columnKind: "utf16CodeUnits";
      results: SarifResult[];
    },
  ];
}

/** The report as a SARIF 2.1.0 log, one run, two-space indented and newline-terminated. */
export function formatSarif(report: Report, rules: readonly Rule[]): string {
  return `${JSON.stringify(toSarif(report, rules), null, 2)}\n`;
}

/** The SARIF log as an object (what `formatSarif` serialises). */
export function toSarif(report: Report, rules: readonly Rule[]): SarifLog {
  const descriptors = [...rules].sort((a, b) => compare(a.id, b.id)).map(describeRule);
  const index = new Map<string, number>();
  descriptors.forEach((d, i) => {
    if (!index.has(d.id)) index.set(d.id, i);
  });
  const all = [...report.findings, ...(report.suppressed ?? [])];
  // Rules a finding names but the rule set does not: describe them from the finding (sorted, so the
  // order does not depend on the order of findings).
  const missing = new Map<string, Finding>();
  for (const f of all) if (!index.has(f.ruleId) && !missing.has(f.ruleId)) missing.set(f.ruleId, f);
  for (const id of [...missing.keys()].sort(compare)) {
    const f = missing.get(id) as Finding;
    index.set(id, descriptors.length);
    descriptors.push(describeFinding(f));
  }
  const results = all.map((f) => toResult(f, index.get(f.ruleId) ?? -1));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "secaudit",
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: INFORMATION_URI,
            rules: descriptors,
          },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

function describeRule(rule: Rule): SarifDescriptor {
  const references = rule.references ?? [];
  const text = [
    oneLine(rule.rationale),
    `Remediation: ${oneLine(rule.remediation)}`,
    ...(references.length ? [`References: ${references.join(" ")}`] : []),
  ].join("\n\n");
  const markdown = [
    oneLine(rule.rationale),
    `**Remediation**\n\n${oneLine(rule.remediation)}`,
    ...(references.length ? [`**References**\n\n${references.map((r) => `- <${r}>`).join("\n")}`] : []),
  ].join("\n\n");
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: oneLine(rule.rationale) },
    help: { text, markdown },
    ...(references[0] ? { helpUri: references[0] } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[rule.severity],
      tags: tags(rule.category, rule.cwe),
      precision: PRECISION[rule.confidence] ?? "high",
      category: rule.category,
      severity: rule.severity,
    },
  };
}

function describeFinding(f: Finding): SarifDescriptor {
  const remediation = oneLine(f.remediation);
  return {
    id: f.ruleId,
    name: pascalCase(f.ruleId),
    shortDescription: { text: f.title },
    fullDescription: { text: f.title },
    help: { text: `Remediation: ${remediation}`, markdown: `**Remediation**\n\n${remediation}` },
    defaultConfiguration: { level: SARIF_LEVEL[f.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[f.severity],
      tags: tags(f.category),
      precision: "high",
      category: f.category,
      severity: f.severity,
    },
  };
}

/** "security" (GitHub only rates rules tagged so), the category and the CWE as GitHub spells it. */
function tags(category: Category, cwe?: string): string[] {
  const out = ["security", category];
  const n = cwe ? /^CWE-(\d+)$/i.exec(cwe)?.[1] : undefined;
  if (n) out.push(`external/cwe/cwe-${n}`);
  return out;
}

function toResult(f: Finding, ruleIndex: number): SarifResult {
  const url = f.location.url;
  const causes = (f.related ?? []).filter((r) => r.location.file);
  const primary: Location | undefined = f.location.file ? f.location : causes[0]?.location;
  const location = primary ? fileLocation(primary) : probeLocation(url ?? "");
  const related = url
    ? causes.map((c, i) => ({
        ...fileLocation(c.location),
        id: i + 1,
        message: { text: `static cause: ${c.ruleId}` },
      }))
    : [];
  const suppression = f.suppression;
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: messageText(f) },
    locations: [location],
    ...(related.length ? { relatedLocations: related } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    ...(suppression
      ? {
          suppressions: [
            {
              kind: suppression.kind === "inline" ? "inSource" : "external",
              status: "accepted",
              ...(suppression.justification ? { justification: suppression.justification } : {}),
            },
          ],
        }
      : {}),
    properties: {
      severity: f.severity,
      category: f.category,
      ...(f.evidence ? { evidence: f.evidence } : {}),
      ...(url ? { url } : {}),
    },
  };
}

function messageText(f: Finding): string {
  const text = f.message.trim() || f.title;
  const url = f.location.url;
  return url && !text.includes(url) ? `${text} (${url})` : text;
}

function fileLocation(l: Location): SarifLocation {
  const region: SarifRegion = { startLine: positive(l.line) ?? 1 };
  const column = positive(l.column);
  if (column) region.startColumn = column;
  return {
    physicalLocation: {
      artifactLocation: { uri: relativeUri(l.file ?? ""), uriBaseId: "%SRCROOT%" },
      region,
    },
  };
}

function probeLocation(url: string): SarifLocation {
  let host = "unknown-host";
  try {
    host = new URL(url).host || host;
  } catch {
    // not a URL: keep the fallback name
  }
  const safe = host.replace(/[^A-Za-z0-9.-]/g, "_").replace(/^\.+/, "_");
  return {
    physicalLocation: {
      artifactLocation: { uri: `${PROBE_ARTIFACT_DIR}/${safe}`, uriBaseId: "%SRCROOT%" },
      region: { startLine: 1 },
    },
  };
}

/** A relative file path as a relative URI reference: `/` separators, each segment percent-encoded. */
export function relativeUri(file: string): string {
  return file
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/** `env-file-committed` -> `EnvFileCommitted`. */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

function positive(n: number | undefined): number | undefined {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
