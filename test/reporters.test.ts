import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRules } from "../src/engine/loader.js";
import type { Report } from "../src/engine/report.js";
import type { Finding, Severity } from "../src/engine/types.js";
import { PREDICATES } from "../src/predicates/index.js";
import { COMMENT_LIMIT, formatMarkdown, text } from "../src/reporters/markdown.js";
import { FINGERPRINT_KEY, formatSarif, type SarifLog, SECURITY_SEVERITY } from "../src/reporters/sarif.js";
import { assertBuilt, ROOT, runCli } from "./support/cli.js";

// The machine-readable reports checked against their schemas, on every fixture, as a user's CI would
// produce them (`npm run build` first): the JSON report against schema/report.schema.json, SARIF
// against the official OASIS SARIF 2.1.0 schema (vendored: test/vendor/README.md) plus what GitHub
// code scanning needs beyond the schema, Markdown against GitHub's comment limit and for escaping.

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const FIXTURES = path.join(ROOT, "fixtures");
const SMOKE = path.join(ROOT, "..", "shared", "smoke");
const targets = [
  ...readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join("fixtures", d.name))
    .sort(),
  ...(existsSync(SMOKE) ? [path.relative(ROOT, SMOKE)] : []),
];

const reportSchema = JSON.parse(
  readFileSync(path.join(ROOT, "schema", "report.schema.json"), "utf8"),
) as object;
const SARIF_SCHEMA_FILE = path.join(ROOT, "test", "vendor", "sarif-schema-2.1.0.json");
const sarifSchemaText = readFileSync(SARIF_SCHEMA_FILE, "utf8");

const ajv2020 = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv2020);
const validateReport = ajv2020.compile(reportSchema);

// The OASIS schema declares draft-04, for which Ajv 8 ships no meta-schema. The keywords it uses mean
// the same in draft-07 (no boolean exclusiveMinimum/Maximum), so it is compiled as draft-07 with its
// `$schema` and draft-04 `id` set aside; the file itself stays byte for byte as published.
const { $schema: _draft, id: _id, ...sarifSchema } = JSON.parse(sarifSchemaText) as Record<string, unknown>;
const ajv07 = new Ajv({ strict: false, allErrors: true });
addFormats(ajv07);
const validateSarif = ajv07.compile(sarifSchema);

const rules = await loadRules([], PREDICATES);

function errorsOf(errors: typeof validateReport.errors): string {
  return (errors ?? [])
    .slice(0, 10)
    .map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`)
    .join("\n");
}

function expectValidReport(report: unknown): void {
  const ok = validateReport(report);
  expect(ok, errorsOf(validateReport.errors)).toBe(true);
}

function expectValidSarif(log: unknown): void {
  const ok = validateSarif(log);
  expect(ok, errorsOf(validateSarif.errors)).toBe(true);
}

/** What GitHub code scanning needs beyond the SARIF schema. */
function expectGithubSarif(log: SarifLog, report: Report): void {
  expect(log.version).toBe("2.1.0");
  expect(log.$schema).toMatch(/^https:\/\/.*sarif-schema-2\.1\.0\.json$/);
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0];
  const driver = run.tool.driver;
  expect(driver.name).toBe("secaudit");
  expect(driver.version).toBe(report.tool.version);
  expect(driver.informationUri).toBe("https://www.npmjs.com/package/secaudit");
  const ids = driver.rules.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const rule of rules) expect(ids).toContain(rule.id);
  const severities = new Set(Object.values(SECURITY_SEVERITY));
  for (const d of driver.rules) {
    expect(d.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    expect(d.shortDescription.text.length).toBeGreaterThan(0);
    expect(d.fullDescription.text.length).toBeGreaterThan(0);
    expect(d.help.markdown.length).toBeGreaterThan(0);
    expect(typeof d.properties["security-severity"]).toBe("string");
    expect(severities.has(d.properties["security-severity"])).toBe(true);
    expect(d.properties.tags).toContain("security");
    expect(d.properties.tags).toContain(d.properties.category);
    expect(["very-high", "high", "medium", "low"]).toContain(d.properties.precision);
  }
  expect(run.results).toHaveLength(report.findings.length + report.suppressed.length);
  for (const r of run.results) {
    expect(r.ruleIndex).toBeGreaterThanOrEqual(0);
    expect(driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
    expect(["error", "warning", "note"]).toContain(r.level);
    expect(r.message.text.length).toBeGreaterThan(0);
    expect(r.partialFingerprints[FINGERPRINT_KEY]).toMatch(/\S/);
    expect(r.locations).toHaveLength(1);
    for (const loc of [...r.locations, ...(r.relatedLocations ?? [])]) {
      const { artifactLocation, region } = loc.physicalLocation;
      expect(artifactLocation.uriBaseId).toBe("%SRCROOT%");
      expect(artifactLocation.uri).not.toMatch(/^\/|\\|^[a-z][a-z0-9+.-]*:/i);
      expect(artifactLocation.uri.length).toBeGreaterThan(0);
      expect(region.startLine).toBeGreaterThanOrEqual(1);
    }
  }
}

/** A code-span-aware view of Markdown: the text outside code spans (what can carry markup). */
function outsideCodeSpans(md: string): string {
  let out = "";
  let i = 0;
  while (i < md.length) {
    const ch = md[i];
    if (ch === "\\") {
      out += md.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === "`") {
      let n = 0;
      while (md[i + n] === "`") n++;
      const fence = "`".repeat(n);
      let close = -1;
      for (let j = md.indexOf(fence, i + n); j !== -1; j = md.indexOf(fence, j)) {
        if (md[j + n] !== "`" && md[j - 1] !== "`") {
          close = j;
          break;
        }
        while (md[j] === "`") j++;
      }
      if (close === -1) {
        out += fence;
        i += n;
        continue;
      }
      out += "<CODE>";
      i = close + n;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** Cells of a GFM table row: split on pipes no backslash escapes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

const ALLOWED_TAGS = new Set(["<details>", "</details>", "<summary>", "</summary>", "<sub>", "</sub>"]);

describe("the built CLI's reports", () => {
  beforeAll(() => assertBuilt());

  describe.each(targets)("%s", (target) => {
    let report: Report;
    beforeAll(() => {
      const r = runCli(["scan", target, "--format", "json", "--fail-on", "none"]);
      expect(r.status, r.stderr).toBe(0);
      report = JSON.parse(r.stdout) as Report;
    });

    it("JSON validates against schema/report.schema.json", () => {
      expectValidReport(report);
    });

    it("SARIF validates against the OASIS SARIF 2.1.0 schema and has what GitHub code scanning needs", () => {
      const sarif = formatSarif(report, rules);
      expect(formatSarif(report, rules)).toBe(sarif); // deterministic
      expect(sarif).not.toContain(ROOT); // no absolute paths
      const log = JSON.parse(sarif) as SarifLog;
      expectValidSarif(log);
      expectGithubSarif(log, report);
      for (const [i, f] of report.findings.entries()) {
        const r = log.runs[0].results[i];
        expect(r?.ruleId).toBe(f.ruleId);
        expect(r?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(f.location.file);
        expect(r?.locations[0]?.physicalLocation.region.startLine).toBe(f.location.line);
        expect(r?.partialFingerprints[FINGERPRINT_KEY]).toBe(f.fingerprint);
        expect(r?.level).toBe(
          { critical: "error", high: "error", medium: "warning", low: "note", info: "note" }[f.severity],
        );
      }
    });

    it("Markdown fits a GitHub comment, leads with the grade and lists critical findings before the folds", () => {
      const md = formatMarkdown(report);
      expect(md.length).toBeLessThan(COMMENT_LIMIT);
      expect(md).toContain(`grade ${report.score.grade} (${report.score.value}/100)`);
      const critical = report.findings.filter((f) => f.severity === "critical");
      const firstCritical = md.indexOf("| 🟥 critical |");
      if (critical.length > 0) {
        expect(firstCritical).toBeGreaterThan(0);
        const details = md.indexOf("<details>");
        if (details !== -1) expect(firstCritical).toBeLessThan(details);
        for (const f of critical) expect(md).toContain(text(`${f.location.file}:${f.location.line}`));
      } else {
        expect(firstCritical).toBe(-1);
      }
      const folds = md.indexOf("<details><summary>Medium, low and info findings");
      for (const f of report.findings.filter((f) => ["medium", "low", "info"].includes(f.severity))) {
        const row = md.indexOf(
          ` ${f.severity} | \`${f.ruleId}\` | ${text(`${f.location.file}:${f.location.line}`)} |`,
        );
        expect(row).toBeGreaterThan(folds);
        expect(folds).toBeGreaterThan(0);
      }
      for (const tag of outsideCodeSpans(md).match(/<[^>]*>/g) ?? []) {
        if (tag.startsWith("<!--")) continue;
        expect(ALLOWED_TAGS.has(tag) || tag === "<CODE>", tag).toBe(true);
      }
    });
  });
});

describe("reports under load and attack", () => {
  let base: Report;
  beforeAll(() => {
    assertBuilt();
    const r = runCli(["scan", "fixtures/vite-backend-insecure", "--format", "json", "--fail-on", "none"]);
    base = JSON.parse(r.stdout) as Report;
    expect(base.findings.length).toBeGreaterThan(0);
  });

  function withFindings(findings: Finding[], suppressed: Finding[] = []): Report {
    const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of findings) bySeverity[f.severity]++;
    return {
      ...base,
      findings,
      suppressed,
      summary: { ...base.summary, bySeverity, suppressed: suppressed.length },
    };
  }

  it("5,000 findings: Markdown stays under 65,536 characters and counts what it left out; SARIF still validates", () => {
    const sample = base.findings[0] as Finding;
    const severities: Severity[] = ["critical", "high", "medium", "low", "info"];
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ...sample,
      severity: severities[i % 5] as Severity,
      message: `${sample.message} (variant ${i}: ${"x".repeat(i % 97)})`,
      fingerprint: `${sample.fingerprint}-${i}`,
      location: { file: `deep/dir/${i}/.env`, line: (i % 300) + 1, column: 1 },
    }));
    const report = withFindings(many);
    expectValidReport(report);

    const started = performance.now();
    const md = formatMarkdown(report);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    const more = [...md.matchAll(/… and (\d+) more findings \(see the JSON\/SARIF report\)/g)].map((m) =>
      Number(m[1]),
    );
    expect(more.length).toBeGreaterThan(0);
    const rows = md.split("\n").filter((l) => /^\| \S+ (critical|high|medium|low|info) \|/.test(l)).length;
    expect(rows).toBeGreaterThan(50);
    expect(rows + more.reduce((a, b) => a + b, 0)).toBe(5000);
    // Critical rows come first, and the details block still opens and closes.
    expect(md.indexOf("| 🟥 critical |")).toBeLessThan(md.indexOf("<details>"));
    expect(md.split("<details>").length).toBe(md.split("</details>").length);

    const log = JSON.parse(formatSarif(report, rules)) as SarifLog;
    expectValidSarif(log);
    expectGithubSarif(log, report);
  });

  it("hostile strings cannot break the Markdown table or inject HTML, links or mentions", () => {
    const sample = base.findings[0] as Finding;
    const hostile: Finding = {
      ...sample,
      severity: "critical",
      message:
        "a | b `tick` <script>alert(1)</script> @octocat [click](javascript:alert(1)) **bold** \\| back\nnext line <!-- x",
      evidence: "KEY=ab|cd ``` `x` <img src=x onerror=alert(1)> \\|",
      location: { file: "src/we|ird_`name`<b>.env", line: 7, column: 3 },
      fingerprint: "hostile",
    };
    const md = formatMarkdown(withFindings([hostile, ...base.findings]));
    const row = md.split("\n").find((l) => l.startsWith("| 🟥 critical |") && l.includes("octocat"));
    expect(row).toBeDefined();
    const c = cells(row ?? "");
    expect(c).toHaveLength(5); // severity, rule, location, finding, evidence
    const [, , location, message, evidence] = c;
    for (const cell of [location, message]) {
      expect(cell).not.toMatch(/[<>]/);
      expect(outsideCodeSpans(cell ?? "")).not.toContain("<CODE>");
    }
    expect(message).toContain("&lt;script&gt;");
    expect(message).toContain("@&#8203;octocat");
    expect(message).not.toMatch(/(?<!\\)\]\(/); // no link syntax
    expect(message).not.toMatch(/(?<!\\)\*\*/); // no emphasis
    // The evidence is one code span whose fence is longer than any backtick run inside it.
    const fence = /^(`+)/.exec(evidence ?? "")?.[1] ?? "";
    expect(fence.length).toBeGreaterThan(3);
    expect(evidence?.endsWith(fence)).toBe(true);
    expect(outsideCodeSpans(evidence ?? "")).toBe("<CODE>");
    // Nothing outside code spans is an HTML tag of the input's.
    for (const tag of outsideCodeSpans(md).match(/<[^>]*>/g) ?? []) {
      if (tag.startsWith("<!--")) continue;
      expect(ALLOWED_TAGS.has(tag) || tag === "<CODE>", tag).toBe(true);
    }
    expect(md.match(/<!--/g)?.length).toBe(1); // our marker only
    // SARIF carries the same strings verbatim (JSON escapes them) and still validates.
    const log = JSON.parse(formatSarif(withFindings([hostile]), rules)) as SarifLog;
    expectValidSarif(log);
    expect(log.runs[0].results[0]?.properties.evidence).toBe(hostile.evidence);
    expect(log.runs[0].results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(
      "src/we%7Cird_%60name%60%3Cb%3E.env",
    );
  });

  it("probe findings, suppressed findings and unknown rules map onto valid GitHub SARIF", () => {
    const sample = base.findings[0] as Finding;
    const withCause: Finding = {
      ...sample,
      ruleId: "probe-cors-wildcard",
      category: "cors",
      location: { url: "http://127.0.0.1:8000/api/items" },
      related: [
        { ruleId: "env-cors-wildcard", location: { file: "backend/.env", line: 4, column: 1 } },
        { ruleId: "env-cors-wildcard", location: { file: "frontend/.env", line: 2, column: 5 } },
      ],
      fingerprint: "probe-1",
    };
    const noCause: Finding = {
      ...sample,
      ruleId: "probe-hsts-missing",
      category: "transport",
      severity: "medium",
      location: { url: "https://[::1]:8443/" },
      fingerprint: "probe-2",
    };
    const unknown: Finding = { ...sample, ruleId: "from-another-rule-set", fingerprint: "other" };
    const inline: Finding = {
      ...sample,
      fingerprint: "s-1",
      suppression: { kind: "inline", justification: "test key, revoked" },
    };
    const baseline: Finding = { ...sample, fingerprint: "s-2", suppression: { kind: "baseline" } };
    const report = withFindings([withCause, noCause, unknown], [inline, baseline]);
    expectValidReport(report);
    const log = JSON.parse(formatSarif(report, rules)) as SarifLog;
    expectValidSarif(log);
    expectGithubSarif(log, report);
    const [a, b, u, s1, s2] = log.runs[0].results;

    expect(a?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("backend/.env");
    expect(a?.locations[0]?.physicalLocation.region).toEqual({ startLine: 4, startColumn: 1 });
    expect(a?.relatedLocations?.map((l) => l.physicalLocation.artifactLocation.uri)).toEqual([
      "backend/.env",
      "frontend/.env",
    ]);
    expect(a?.message.text).toContain("http://127.0.0.1:8000/api/items");
    expect(a?.properties.url).toBe("http://127.0.0.1:8000/api/items");

    expect(b?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(".secaudit/probe/___1__8443");
    expect(b?.locations[0]?.physicalLocation.region).toEqual({ startLine: 1 });
    expect(b?.message.text).toContain("https://[::1]:8443/");
    expect(b?.properties.url).toBe("https://[::1]:8443/");
    expect(b?.level).toBe("warning");

    expect(log.runs[0].tool.driver.rules[u?.ruleIndex ?? -1]?.id).toBe("from-another-rule-set");

    expect(s1?.suppressions).toEqual([
      { kind: "inSource", status: "accepted", justification: "test key, revoked" },
    ]);
    expect(s2?.suppressions).toEqual([{ kind: "external", status: "accepted" }]);
    expect(a?.suppressions).toBeUndefined();

    // Markdown shows probe URLs as locations and folds the suppressed ones.
    const md = formatMarkdown(report);
    expect(md).toContain("https://[::1]:8443/".replace(/[[\]]/g, (ch) => `\\${ch}`));
    expect(md).toContain("<details><summary>Suppressed on purpose (2)</summary>");
    expect(md).toContain(text("test key, revoked"));
  });

  it("the schemas reject what they must (negative controls)", () => {
    const bad = structuredClone(base) as unknown as { findings: Array<Record<string, unknown>> };
    (bad.findings[0] as Record<string, unknown>).severity = "severe";
    expect(validateReport(bad)).toBe(false);
    const both = structuredClone(base) as unknown as {
      findings: Array<{ location: Record<string, unknown> }>;
    };
    (both.findings[0] as { location: Record<string, unknown> }).location.url = "http://x/";
    expect(validateReport(both)).toBe(false);
    const absolute = structuredClone(base) as unknown as {
      findings: Array<{ location: Record<string, unknown> }>;
    };
    (absolute.findings[0] as { location: Record<string, unknown> }).location.file = "/etc/passwd";
    expect(validateReport(absolute)).toBe(false);
    const noGrade = structuredClone(base) as unknown as { score: Record<string, unknown> };
    noGrade.score.grade = "E";
    expect(validateReport(noGrade)).toBe(false);

    const log = JSON.parse(formatSarif(base, rules)) as { runs: Array<Record<string, unknown>> };
    delete (log.runs[0] as Record<string, unknown>).tool;
    expect(validateSarif(log)).toBe(false);
  });

  it("the vendored SARIF schema is the OASIS 2.1.0 (Errata 01) document, unmodified", () => {
    const schema = JSON.parse(sarifSchemaText) as { $schema: string; id: string; title: string };
    expect(schema.title).toBe("Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
    expect(schema.id).toBe(
      "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    );
    expect(createHash("sha256").update(readFileSync(SARIF_SCHEMA_FILE)).digest("hex")).toBe(
      "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949",
    );
  });
});
