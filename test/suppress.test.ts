import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applySuppressions, parseDirectives } from "../src/engine/suppress.js";
import type { Finding } from "../src/engine/types.js";
import { runCli, scanJson } from "./support/cli.js";

// Accepting findings on purpose: inline comments, accepted fingerprints in the config, a
// baseline. Each mechanism has a positive and a negative case (a suppression for another rule or
// another line does nothing), and nothing is ever dropped silently.

const tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-suppress-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

type Suppressed = Finding & { suppression: { kind: string; justification?: string } };
const ids = (fs: ReadonlyArray<{ ruleId: string; location: { file?: string; line?: number } }>) =>
  fs.map((f) => `${f.ruleId}@${f.location.file}:${f.location.line}`).sort();

describe("inline secaudit-ignore", () => {
  const dir = project("inline", {
    ".env": [
      "BACKEND_CORS_ORIGINS=* # secaudit-ignore env-cors-wildcard -- the API is public by design",
      "# secaudit-ignore env-placeholder-secret -- local development only",
      "API_KEY=changeme",
      "# secaudit-ignore env-rate-limit-disabled -- wrong rule for the next line",
      "DEBUG_TOKEN=changeme",
      "# secaudit-ignore env-placeholder-secret -- two lines above does not count",
      "",
      "ADMIN_TOKEN=changeme",
      "# secaudit-ignore no-such-rule -- typo",
      "X=1",
    ].join("\n"),
    "docker-compose.yml": [
      "services:",
      "  worker:",
      "    image: app:1.0",
      "    # secaudit-ignore compose-privileged -- needs /dev/kvm; reviewed 2026-11",
      "    privileged: true",
      "    network_mode: host # secaudit-ignore compose-privileged -- wrong rule",
    ].join("\n"),
  });
  const { report } = scanJson(dir, ["--fail-on", "none"]);
  const r = report as typeof report & { suppressed: Suppressed[]; summary: { suppressed: number } };

  it("suppresses the named rule on its own line and on the line below a comment-only line", () => {
    expect(ids(r.suppressed)).toEqual([
      "compose-privileged@docker-compose.yml:5",
      "env-cors-wildcard@.env:1",
      "env-placeholder-secret@.env:3",
    ]);
    expect(
      r.suppressed.every(
        (f) => f.suppression.kind === "inline" && (f.suppression.justification ?? "") !== "",
      ),
    ).toBe(true);
    expect(r.summary.suppressed).toBe(3);
  });

  it("does nothing for another rule or another line", () => {
    const left = ids(r.findings);
    expect(left).toContain("env-placeholder-secret@.env:5");
    expect(left).toContain("env-placeholder-secret@.env:8");
    expect(left).toContain("compose-host-network@docker-compose.yml:6");
  });

  it("notes unknown rule ids and unused directives", () => {
    const notes = (r.notes ?? []).join("\n");
    expect(notes).toMatch(/\.env:9: secaudit-ignore names an unknown rule "no-such-rule"/);
    expect(notes).toMatch(/\.env:4: unused secaudit-ignore/);
    expect(notes).toMatch(/docker-compose\.yml:6: unused secaudit-ignore/);
  });

  it("the checklist reflects what is left", () => {
    expect(r.checks.find((c) => c.id === "env-cors-wildcard")?.status).toBe("pass");
    expect(r.checks.find((c) => c.id === "env-placeholder-secret")?.status).toBe("fail");
  });

  it("parses #, // and /* */ comments, and requires a reason", () => {
    const lines = [
      "x = 1  # secaudit-ignore a-rule -- why",
      "// secaudit-ignore b-rule, c-rule -- because",
      "/* secaudit-ignore d-rule -- css style */",
      "# secaudit-ignore e-rule",
      'const s = "secaudit-ignore f-rule -- in a string, not a comment";',
    ];
    const ds = parseDirectives("f.js", lines);
    expect(ds.map((d) => [d.line, d.target, d.ids.join("+"), d.reason ?? ""])).toEqual([
      [1, 1, "a-rule", "why"],
      [2, 3, "b-rule+c-rule", "because"],
      [3, 4, "d-rule", "css style"],
      [4, 5, "e-rule", ""],
    ]);
  });
});

describe("accepted fingerprints in the config", () => {
  const files = { ".env": "BACKEND_CORS_ORIGINS=*\nAPI_KEY=changeme\n" };
  const dir = project("accept", files);
  const first = scanJson(dir, ["--fail-on", "none"]).report;
  const cors = first.findings.find((f) => f.ruleId === "env-cors-wildcard");
  const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it("suppresses exactly that finding, with its reason", () => {
    const config = write(
      "accept.yaml",
      `accept:\n  - fingerprint: ${cors?.fingerprint}\n    reason: public API\n    expires: 2999-01-01\n`,
    );
    const { report } = scanJson(dir, ["--fail-on", "none", "--config", config]);
    const r = report as typeof report & { suppressed: Suppressed[] };
    expect(ids(r.suppressed)).toEqual(["env-cors-wildcard@.env:1"]);
    expect(r.suppressed[0]?.suppression).toEqual({ kind: "config", justification: "public API" });
    expect(ids(r.findings)).toContain("env-placeholder-secret@.env:2");
  });

  it("an expired acceptance fails again, with a note", () => {
    const config = write(
      "expired.yaml",
      `accept:\n  - fingerprint: ${cors?.fingerprint}\n    reason: public API\n    expires: 2001-01-01\n`,
    );
    const { report } = scanJson(dir, ["--fail-on", "none", "--config", config]);
    expect(ids(report.findings)).toContain("env-cors-wildcard@.env:1");
    expect((report.notes ?? []).join("\n")).toMatch(/expired on 2001-01-01/);
  });

  it("an acceptance for another fingerprint does nothing and is reported unused", () => {
    const config = write(
      "other.yaml",
      "accept:\n  - fingerprint: 0123456789abcdef\n    reason: something else\n",
    );
    const { report } = scanJson(dir, ["--fail-on", "none", "--config", config]);
    expect(ids(report.findings)).toContain("env-cors-wildcard@.env:1");
    expect((report.notes ?? []).join("\n")).toMatch(/0123456789abcdef matches no finding/);
  });

  it("an acceptance without a reason is a config error naming the line", () => {
    const config = write("noreason.yaml", `accept:\n  - fingerprint: ${cors?.fingerprint}\n`);
    const res = runCli(["scan", dir, "--config", config]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/noreason\.yaml:2: accept\.0\.reason/);
  });
});

describe("--baseline", () => {
  const env = "BACKEND_CORS_ORIGINS=*\nSTRIPE_SECRET_KEY=sk_live_51Hx9aQ2rT8vLp3ZqW7nB4cD\n";
  const dir = project("baseline", { ".env": env, ".gitignore": "" });
  const baseline = path.join(tmp, "baseline.json");

  it("secaudit baseline writes today's fingerprints", () => {
    const res = runCli(["baseline", dir, "--output", baseline]);
    expect(res.status).toBe(0);
    const data = JSON.parse(readFileSync(baseline, "utf8")) as {
      fingerprints: Array<{ fingerprint: string }>;
    };
    expect(data.fingerprints.length).toBeGreaterThan(1);
  });

  it("survives lines inserted above the findings, and fails only on a new finding", () => {
    writeFileSync(path.join(dir, ".env"), `# a comment\nPORT=8000\n\n${env}`);
    const same = scanJson(dir, ["--baseline", baseline]);
    expect(same.report.findings).toEqual([]);
    expect(same.result.status).toBe(0);
    writeFileSync(
      path.join(dir, ".env"),
      `# a comment\nPORT=8000\n\n${env}VITE_OPENAI_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z\n`,
    );
    const next = scanJson(dir, ["--baseline", baseline]);
    expect(next.report.findings.map((f) => f.ruleId)).toContain("client-env-secret-value");
    expect(next.report.findings.every((f) => f.location.line === 6)).toBe(true);
    expect(next.result.status).toBe(1);
  });

  it("accepts a previous JSON report as the baseline too", () => {
    const reportFile = path.join(tmp, "report.json");
    runCli(["scan", dir, "--format", "json", "--fail-on", "none", "--output", reportFile]);
    const { report, result } = scanJson(dir, ["--baseline", reportFile]);
    expect(report.findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it("a missing or malformed baseline is exit 2", () => {
    expect(runCli(["scan", dir, "--baseline", path.join(tmp, "nope.json")]).status).toBe(2);
    writeFileSync(path.join(tmp, "bad.json"), "{}");
    expect(runCli(["scan", dir, "--baseline", path.join(tmp, "bad.json")]).status).toBe(2);
  });
});

describe("applySuppressions", () => {
  it("keeps suppressed findings and recounts the checklist", () => {
    const finding = {
      ruleId: "r",
      category: "cors",
      severity: "critical",
      title: "t",
      message: "m",
      location: { file: ".env", line: 1, column: 1 },
      evidence: "",
      remediation: "",
      fingerprint: "aaaaaaaaaaaaaaaa",
    } satisfies Finding;
    const out = applySuppressions(
      {
        findings: [finding],
        checks: [
          { id: "r", title: "t", category: "cors", severity: "critical", status: "fail", findingCount: 1 },
        ],
      },
      {
        files: new Map(),
        accepted: [],
        baseline: new Set(["aaaaaaaaaaaaaaaa"]),
        ruleIds: new Set(["r"]),
        today: "2026-11-24",
      },
    );
    expect(out.findings).toEqual([]);
    expect(out.suppressed.map((f) => f.suppression.kind)).toEqual(["baseline"]);
    expect(out.checks[0]).toMatchObject({ status: "pass", findingCount: 0 });
  });
});

describe("--output FORMAT=FILE", () => {
  it("writes several formats in one run and keeps the text report on stdout", () => {
    const dir = project("multi", { ".env": "BACKEND_CORS_ORIGINS=*\n" });
    const json = path.join(tmp, "multi.json");
    const res = runCli(["scan", dir, "--no-color", "--fail-on", "none", "--output", `json=${json}`]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Score \d+\/100/);
    expect(
      (JSON.parse(readFileSync(json, "utf8")) as { findings: unknown[] }).findings.length,
    ).toBeGreaterThan(0);
  });
});
