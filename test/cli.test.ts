import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  assertBuilt,
  BIN,
  cleanEnv,
  type JsonReport,
  ROOT,
  runCli,
  STACK_FRAME,
  scanJson,
  stderrLines,
  VERSION,
} from "./support/cli.js";

// End to end on the built CLI (`npm run build` first): exit codes, the JSON contract, masking,
// usage errors, extra rules. Everything runs as a subprocess, exactly as a user or CI would.

const FIXTURES = path.join(ROOT, "fixtures");
const fixtureNames = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const insecure = fixtureNames.filter((n) => n.endsWith("-insecure"));
const hardened = fixtureNames.filter((n) => n.startsWith("hardened-") || n.endsWith("-hardened"));
const builtinRuleIds = readdirSync(path.join(ROOT, "rules"))
  .filter((n) => /\.ya?ml$/.test(n))
  .map((n) => n.replace(/\.ya?ml$/, ""))
  .sort();

// The contract's vocabularies, copied from ../shared/CONTRACT.md on purpose: the report is checked
// against the contract, not against the code's own constants.
const CATEGORIES = [
  "network-binding",
  "cors",
  "public-secret",
  "auth",
  "weak-secret",
  "rate-limit",
  "transport",
  "headers",
  "exposure",
  "secret-in-repo",
  "container",
];
const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const GRADES = ["A+", "A", "B", "C", "D", "F"];
const STATUSES = ["pass", "fail", "warn", "skip"];
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

let tmp: string;
const reports = new Map<string, JsonReport>();
const jsonStdout = new Map<string, string>();
const jsonStderr = new Map<string, string>();
const jsonStatus = new Map<string, number | null>();

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-cli-"));
  for (const name of fixtureNames) {
    const { result, report } = scanJson(`fixtures/${name}`);
    reports.set(name, report);
    jsonStdout.set(name, result.stdout);
    jsonStderr.set(name, result.stderr);
    jsonStatus.set(name, result.status);
    await yieldToEventLoop();
  }
}, 120_000);

// Every CLI run blocks this worker (spawnSync). Yield after each scan and each test so vitest's
// RPC replies get read: a minute without a turn of the event loop fails the run with
// `Timeout calling "onTaskUpdate"` on a loaded machine.
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
afterEach(yieldToEventLoop);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function report(name: string): JsonReport {
  const r = reports.get(name);
  if (!r) throw new Error(`no report for ${name}`);
  return r;
}

/** A fresh directory under the test's temp dir. */
function tempDir(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

describe("fixtures", () => {
  it("has insecure and hardened fixtures to compare", () => {
    expect(insecure.length).toBeGreaterThan(0);
    expect(hardened.length).toBeGreaterThan(0);
  });

  it.each(insecure)("%s has critical findings and exits 1 with the default --fail-on", (name) => {
    expect(report(name).summary.bySeverity.critical).toBeGreaterThan(0);
    expect(jsonStatus.get(name)).toBe(1);
    // The text format exits the same way.
    expect(runCli(["scan", `fixtures/${name}`]).status).toBe(1);
  });

  it.each(insecure)("%s exits 0 with --fail-on none", (name) => {
    const r = runCli(["scan", `fixtures/${name}`, "--fail-on", "none", "--format", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ findings: expect.any(Array) });
  });

  it.each(insecure)("%s: --fail-on follows the worst severity", (name) => {
    const worst = SEVERITIES.find((s) => (report(name).summary.bySeverity[s] ?? 0) > 0) ?? "info";
    for (const failOn of ["critical", "high", "medium", "low"]) {
      const expected = SEVERITIES.indexOf(worst) <= SEVERITIES.indexOf(failOn) ? 1 : 0;
      expect(runCli(["scan", `fixtures/${name}`, "--fail-on", failOn]).status, failOn).toBe(expected);
    }
  });

  it.each(hardened)("%s exits 0, even with --fail-on low", (name) => {
    expect(jsonStatus.get(name)).toBe(0);
    expect(runCli(["scan", `fixtures/${name}`]).status).toBe(0);
    expect(runCli(["scan", `fixtures/${name}`, "--fail-on", "low"]).status).toBe(0);
    const bySeverity = report(name).summary.bySeverity;
    expect({ ...bySeverity, info: 0 }).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
  });

  it("scores every hardened fixture above every insecure one", () => {
    const worstHardened = Math.min(...hardened.map((n) => report(n).score.value));
    const bestInsecure = Math.max(...insecure.map((n) => report(n).score.value));
    expect(worstHardened).toBeGreaterThan(bestInsecure);
  });
});

describe("JSON report contract", () => {
  it.each(fixtureNames)("%s: stdout is the JSON document and nothing else", (name) => {
    const stdout = jsonStdout.get(name) ?? "";
    expect(stdout.trimStart().startsWith("{")).toBe(true);
    expect(stdout.trimEnd().endsWith("}")).toBe(true);
    expect(() => JSON.parse(stdout)).not.toThrow();
    expect(stdout).not.toMatch(ANSI);
    // Not a TTY: no spinner or progress anywhere.
    expect(jsonStderr.get(name)).toBe("");
  });

  it.each(fixtureNames)("%s: has every contract key with the right types", (name) => {
    const r = report(name);
    expect(r.schemaVersion).toBe(1);
    expect(r.tool).toEqual(expect.objectContaining({ name: "secaudit", version: VERSION }));
    expect(r.target.root).toBe(`fixtures/${name}`);
    expect(r.target.urls).toEqual([]);
    expect(Number.isInteger(r.score.value)).toBe(true);
    expect(r.score.value).toBeGreaterThanOrEqual(0);
    expect(r.score.value).toBeLessThanOrEqual(100);
    expect(GRADES).toContain(r.score.grade);
    expect(Object.keys(r.summary.bySeverity).sort()).toEqual([...SEVERITIES].sort());
    for (const s of SEVERITIES) expect(Number.isInteger(r.summary.bySeverity[s])).toBe(true);
    for (const s of STATUSES) expect(Number.isInteger(r.summary.checks[s]), s).toBe(true);
    expect(Array.isArray(r.checks)).toBe(true);
    expect(Array.isArray(r.findings)).toBe(true);
    for (const c of r.checks) {
      expect(c).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          title: expect.any(String),
          category: expect.any(String),
          severity: expect.any(String),
          status: expect.any(String),
          findingCount: expect.any(Number),
        }),
      );
      expect(CATEGORIES, c.id).toContain(c.category);
      expect(SEVERITIES, c.id).toContain(c.severity);
      expect(STATUSES, c.id).toContain(c.status);
    }
    for (const f of r.findings) {
      expect(f).toEqual(
        expect.objectContaining({
          ruleId: expect.any(String),
          category: expect.any(String),
          severity: expect.any(String),
          title: expect.any(String),
          message: expect.any(String),
          location: expect.any(Object),
          evidence: expect.any(String),
          remediation: expect.any(String),
          fingerprint: expect.any(String),
        }),
      );
      expect(CATEGORIES, f.ruleId).toContain(f.category);
      expect(SEVERITIES, f.ruleId).toContain(f.severity);
      expect(f.message.trim(), f.ruleId).not.toBe("");
      expect(f.remediation.trim(), f.ruleId).not.toBe("");
      expect(f.fingerprint, f.ruleId).toMatch(/\S{8,}/);
      // A static scan only has file locations.
      const { file, line, column } = f.location;
      expect(typeof file, f.ruleId).toBe("string");
      expect(Number.isInteger(line) && (line ?? 0) >= 1, `${f.ruleId} line`).toBe(true);
      expect(Number.isInteger(column) && (column ?? 0) >= 1, `${f.ruleId} column`).toBe(true);
    }
  });

  it.each(fixtureNames)("%s: location.file is relative, uses / and exists", (name) => {
    for (const f of report(name).findings) {
      const file = f.location.file ?? "";
      expect(file, f.ruleId).not.toMatch(/\\/);
      expect(path.isAbsolute(file), file).toBe(false);
      expect(file.split("/"), file).not.toContain("..");
      expect(file.startsWith("./"), file).toBe(false);
      expect(existsSync(path.join(FIXTURES, name, file)), file).toBe(true);
    }
  });

  it.each(fixtureNames)("%s: each finding's line is the offending line (evidence matches it)", (name) => {
    for (const f of report(name).findings) {
      const lines = readFileSync(path.join(FIXTURES, name, f.location.file ?? ""), "utf8").split(
        /\r\n|\r|\n/,
      );
      const line = (lines[(f.location.line ?? 0) - 1] ?? "").trim();
      if (f.ruleId === "bundle-secret") {
        // A bundle's evidence is `NAME: "<masked token>"`, never the line (a minified line can be
        // megabytes): the line must hold the name and the token's visible prefix.
        const m = /^(?:([\w$]+): )?"([^"*]*)\*{4}"$/.exec(f.evidence);
        expect(m, `${f.ruleId} evidence ${f.evidence}`).not.toBeNull();
        if (m?.[1]) expect(line, `${f.ruleId} at ${f.location.file}:${f.location.line}`).toContain(m[1]);
        expect(line, `${f.ruleId} at ${f.location.file}:${f.location.line}`).toContain(`"${m?.[2] ?? ""}`);
        continue;
      }
      // Evidence is that line with secrets masked: treat each mask as "some characters".
      const pattern = new RegExp(
        `^${f.evidence
          .split(/\*{4}/)
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*?")}$`,
      );
      expect(line, `${f.ruleId} at ${f.location.file}:${f.location.line}`).toMatch(pattern);
    }
  });

  it.each(fixtureNames)("%s: every loaded rule is listed once in checks", (name) => {
    const ids = report(name).checks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(builtinRuleIds);
  });

  it.each(fixtureNames)("%s: summary and checks agree with the findings", (name) => {
    const r = report(name);
    for (const s of SEVERITIES) {
      expect(r.summary.bySeverity[s], s).toBe(r.findings.filter((f) => f.severity === s).length);
    }
    for (const s of STATUSES) {
      expect(r.summary.checks[s], s).toBe(r.checks.filter((c) => c.status === s).length);
    }
    for (const c of r.checks) {
      const mine = r.findings.filter((f) => f.ruleId === c.id);
      expect(c.findingCount, c.id).toBe(mine.length);
      if (c.status === "pass" || c.status === "skip") expect(mine, c.id).toEqual([]);
      if (c.status === "fail")
        expect(
          mine.some((f) => f.severity !== "info"),
          c.id,
        ).toBe(true);
      if (c.status === "warn")
        expect(mine.length > 0 && mine.every((f) => f.severity === "info"), c.id).toBe(true);
      for (const f of mine) expect(f.category, f.ruleId).toBe(c.category);
    }
    for (const f of r.findings) expect(builtinRuleIds).toContain(f.ruleId);
  });

  it.each(fixtureNames)("%s: fingerprints are unique and identical across two runs", (name) => {
    const first = report(name).findings.map((f) => f.fingerprint);
    expect(new Set(first).size).toBe(first.length);
    const { report: again } = scanJson(`fixtures/${name}`);
    expect(again.findings.map((f) => f.fingerprint)).toEqual(first);
  });

  it("fingerprints survive unrelated edits that move lines", () => {
    const dir = tempDir("moved");
    cpSync(path.join(FIXTURES, "fastapi-compose-insecure"), dir, { recursive: true });
    const before = scanJson(dir).report;
    for (const file of [".env", "docker-compose.yml"]) {
      const p = path.join(dir, file);
      writeFileSync(p, `# an unrelated comment\n# and another\n\n${readFileSync(p, "utf8")}`);
    }
    const after = scanJson(dir).report;
    const key = (f: JsonReport["findings"][number]) => `${f.ruleId} ${f.fingerprint}`;
    expect(after.findings.map(key).sort()).toEqual(before.findings.map(key).sort());
    // ...while the lines did move.
    const lines = (r: JsonReport) => r.findings.map((f) => f.location.line ?? 0).reduce((a, b) => a + b, 0);
    expect(lines(after)).toBeGreaterThan(lines(before));
  });

  it.each(fixtureNames)("%s: info findings never cost points", (name) => {
    const r = report(name);
    if (r.findings.every((f) => f.severity === "info")) expect(r.score.value).toBe(100);
  });

  it.each(fixtureNames)("%s: placeholders in example files are info at most", (name) => {
    for (const f of report(name).findings) {
      const base = (f.location.file ?? "").split("/").pop() ?? "";
      if (f.category === "weak-secret" && /(^|[._-])(example|sample|template)([._-]|$)/.test(base)) {
        expect(f.severity, `${f.ruleId} ${f.location.file}:${f.location.line}`).toBe("info");
      }
    }
  });

  it("rules that cannot apply are skip, the rest pass or fail", () => {
    const dir = tempDir("env-only");
    writeTree(dir, { ".env": "BACKEND_CORS_ORIGINS=*\n" });
    const { result, report: r } = scanJson(dir);
    expect(result.status).toBe(0);
    const byId = new Map(r.checks.map((c) => [c.id, c.status]));
    for (const id of builtinRuleIds.filter((i) => i.startsWith("compose-")))
      expect(byId.get(id), id).toBe("skip");
    expect(byId.get("env-cors-wildcard")).toBe("fail");
    expect(byId.get("env-debug-in-production")).toBe("pass");
  });

  it("target.root is the directory as given", () => {
    const { report: r } = scanJson("./fixtures/hardened-node/");
    expect(r.target.root).toBe("./fixtures/hardened-node/");
    const { report: abs } = scanJson(path.join(FIXTURES, "hardened-node"));
    expect(abs.target.root).toBe(path.join(FIXTURES, "hardened-node"));
    // The location of a finding does not depend on how the root was spelled.
    const rel = report("hardened-fastapi").findings.map((f) => f.location.file);
    const { report: viaAbs } = scanJson(path.join(FIXTURES, "hardened-fastapi"));
    expect(viaAbs.findings.map((f) => f.location.file)).toEqual(rel);
  });

  it("scans . by default", () => {
    const r = runCli(["scan", "--format", "json"], { cwd: path.join(FIXTURES, "hardened-node") });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as JsonReport).target.root).toBe(".");
  });
});

describe("secret masking", () => {
  const SECRETISH = /sk_live_|sk-proj-|hf_|ghp_|whsec_|r8_|eyJ|changeme|your-/;
  const SECRET_KEY = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|ACCESS_KEY|_KEY$)/i;

  function envFiles(dir: string): string[] {
    const out: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) out.push(...envFiles(p));
      // Streamlit's secrets.toml has the same `key = "value"` lines.
      else if (/^\.env/.test(entry.name) || entry.name.endsWith(".env") || /^secrets\.toml/.test(entry.name))
        out.push(p);
    }
    return out;
  }

  /** Values in the fixture's env and secrets.toml files that look like secrets, as written (quotes stripped). */
  function secretValues(name: string): string[] {
    const values = new Set<string>();
    for (const file of envFiles(path.join(FIXTURES, name))) {
      for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(line);
        if (!m) continue;
        const key = m[1] ?? "";
        const value = (m[2] ?? "").trim().replace(/^(["'])(.*)\1$/, "$2");
        if (value.length < 8) continue;
        const publicByDesign =
          /^(pk_(live|test)_|AIza|phc_|https:\/\/[0-9a-f]+@)/.test(value) || /ANON_KEY$/.test(key);
        const placeholder = /^<.*>$/.test(value);
        if (SECRETISH.test(value) || (SECRET_KEY.test(key) && !publicByDesign && !placeholder))
          values.add(value);
      }
    }
    return [...values];
  }

  it("finds secret-looking values in the insecure fixtures (the test is not vacuous)", () => {
    for (const name of insecure) expect(secretValues(name).length, name).toBeGreaterThan(2);
  });

  it.each(fixtureNames)("%s: no secret appears whole in the JSON, text or stderr", (name) => {
    const values = secretValues(name);
    const json = jsonStdout.get(name) ?? "";
    const parsed = report(name);
    const jsonStrings = parsed.findings.flatMap((f) => [f.message, f.evidence, f.title]).join("\n");
    const text = runCli(["scan", `fixtures/${name}`, "--fail-on", "none"]);
    const quiet = runCli(["scan", `fixtures/${name}`, "--fail-on", "none", "--quiet"]);
    expect(text.status).toBe(0);
    for (const value of values) {
      for (const [where, output] of [
        ["json", json],
        ["json strings", jsonStrings],
        ["json stderr", jsonStderr.get(name) ?? ""],
        ["text", text.stdout],
        ["text stderr", text.stderr],
        ["quiet text", quiet.stdout],
      ] as const) {
        expect(output.includes(value), `${value.slice(0, 6)}… shown whole in ${where}`).toBe(false);
      }
    }
  });

  it.each(insecure)("%s: no 8-character run of a secret is shown (at most a 4-character prefix)", (name) => {
    const text = runCli(["scan", `fixtures/${name}`, "--fail-on", "none"]).stdout;
    const shown = report(name)
      .findings.flatMap((f) => [f.message, f.evidence])
      .concat(text)
      .join("\n");
    // Random-looking values only: a placeholder's words (`your-secret-key-here`) may occur in prose.
    const random = secretValues(name).filter((v) => v.length >= 12 && !/your[-_]|^<|change/i.test(v));
    expect(random.length).toBeGreaterThan(0);
    for (const value of random) {
      for (let i = 0; i + 8 <= value.length; i++) {
        const window = value.slice(i, i + 8);
        expect(shown.includes(window), `${value.slice(0, 4)}…: "${window}" shown`).toBe(false);
      }
    }
  });
});

describe("secret masking in hand-made trees", () => {
  function scanEnv(name: string, env: string) {
    const dir = tempDir(`mask-${name}`);
    writeTree(dir, { ".env": env });
    const json = runCli(["scan", dir, "--format", "json", "--fail-on", "none"]);
    const text = runCli(["scan", dir, "--fail-on", "none"]);
    expect(json.status).toBe(0);
    return { json: json.stdout, text: text.stdout, report: JSON.parse(json.stdout) as JsonReport };
  }

  it("masks a quoted secret, an unquoted one, and a DB URL's password", () => {
    const stripe = `sk_${"live"}_Zq9LmPt7vR2sW8yB4nK6hJ3d`;
    const password = "Zq9xLmPt7vR2sW8yB4nK6";
    const {
      json,
      text,
      report: r,
    } = scanEnv(
      "plain",
      `STRIPE_SECRET_KEY="${stripe}"\nAPI_KEY=${stripe}x\nDATABASE_URL=postgresql://app:${password}@db.example.com:5432/app?sslmode=disable\n`,
    );
    expect(r.findings.length).toBeGreaterThan(0);
    for (const secret of [stripe, `${stripe}x`, password]) {
      expect(json.includes(secret), secret.slice(0, 4)).toBe(false);
      expect(text.includes(secret), secret.slice(0, 4)).toBe(false);
    }
    // The host of the URL is not a secret and stays readable.
    expect(json).toContain("db.example.com");
  });

  it("masks a PEM key written on one line with \\n escapes, and a percent-encoded DB password", () => {
    const body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    const encoded = "Zq%40x9LmPt7vR2sW8yB4";
    const { json, text } = scanEnv(
      "escaped",
      `FIREBASE_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----\\n"\nDATABASE_URL=postgresql://postgres:${encoded}@db.example.com:5432/app?sslmode=disable\n`,
    );
    for (const secret of [body, encoded, decodeURIComponent(encoded)]) {
      expect(json.includes(secret), secret.slice(0, 4)).toBe(false);
      expect(text.includes(secret), secret.slice(0, 4)).toBe(false);
    }
  });
});

describe("output options", () => {
  it("--output FILE writes the report there and leaves stdout empty", () => {
    const out = path.join(tempDir("output"), "report.json");
    const r = runCli(["scan", "fixtures/vite-backend-insecure", "--format", "json", "--output", out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const written = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
    expect(written.findings.map((f) => f.fingerprint)).toEqual(
      report("vite-backend-insecure").findings.map((f) => f.fingerprint),
    );
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("--output FILE works for the text format, without colour", () => {
    const out = path.join(tempDir("output-text"), "report.txt");
    const r = runCli(["scan", "fixtures/hardened-node", "--output", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const text = readFileSync(out, "utf8");
    expect(text).toContain("hardened-node");
    expect(text).not.toMatch(ANSI);
  });

  it("--output into a missing directory is a usage error", () => {
    const r = runCli(["scan", "fixtures/hardened-node", "--output", path.join(tmp, "nope", "x", "r.json")]);
    expect(r.status).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it.each([
    ["--no-color", ["--no-color"], {}],
    ["NO_COLOR=1", [], { NO_COLOR: "1" }],
    ["a pipe", [], {}],
  ] as const)("%s: no ANSI escapes in a piped text report", (_name, flags, env) => {
    const r = runCli(["scan", "fixtures/vite-backend-insecure", ...flags], { env: cleanEnv(env) });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("env-cors-wildcard");
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  // On a terminal the text report is coloured, unless --no-color or NO_COLOR says otherwise.
  // `script` (util-linux) gives the CLI a pseudo-terminal for stdout; stdin and stderr stay off it.
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  function inTerminal(args: readonly string[], env: NodeJS.ProcessEnv): string {
    const command = `${[process.execPath, BIN, ...args].map(quote).join(" ")} </dev/null 2>/dev/null`;
    const r = spawnSync("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      timeout: 20_000,
      killSignal: "SIGKILL",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.error) throw r.error;
    return r.stdout;
  }

  it.skipIf(!hasScript)("colours a text report on a terminal, and --no-color / NO_COLOR turn it off", () => {
    const args = ["scan", "fixtures/vite-backend-insecure", "--quiet"];
    const coloured = inTerminal(args, cleanEnv());
    expect(coloured).toContain("env-file-committed");
    expect(coloured).toMatch(ANSI);
    const noColor = inTerminal([...args, "--no-color"], cleanEnv());
    expect(noColor).toContain("env-file-committed");
    expect(noColor).not.toMatch(ANSI);
    const envNoColor = inTerminal(args, cleanEnv({ NO_COLOR: "1" }));
    expect(envNoColor).toContain("env-file-committed");
    expect(envNoColor).not.toMatch(ANSI);
    // JSON is never coloured, terminal or not.
    expect(
      inTerminal(["scan", "fixtures/vite-backend-insecure", "--format", "json"], cleanEnv()),
    ).not.toMatch(ANSI);
  });
});

describe("usage errors exit 2 with one clear line", () => {
  function expectUsageError(args: readonly string[], message: RegExp, options = {}) {
    const r = runCli(args, options);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const lines = stderrLines(r);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    return lines[0] ?? "";
  }

  it("an unknown flag", () => {
    expectUsageError(["scan", "fixtures/hardened-node", "--bogus-flag"], /--bogus-flag/);
  });

  it("an unknown flag before the command", () => {
    expectUsageError(["--bogus-flag", "scan"], /--bogus-flag/);
  });

  it("an invalid --format and --fail-on value", () => {
    expectUsageError(["scan", "fixtures/hardened-node", "--format", "xml"], /xml/);
    expectUsageError(["scan", "fixtures/hardened-node", "--fail-on", "severe"], /severe/);
  });

  it("a missing directory", () => {
    const missing = path.join(tmp, "does-not-exist");
    expectUsageError(["scan", missing], new RegExp(missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  it("a file given as the directory", () => {
    expectUsageError(["scan", "package.json"], /package\.json/);
  });

  describe("--config", () => {
    const config = (name: string, text: string): string => {
      const file = path.join(tempDir("config"), name);
      writeFileSync(file, text);
      return file;
    };
    const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

    it("bad YAML names file:line", () => {
      // The syntax error is on line 3.
      const file = config("bad.yaml", "ignore:\n  - foo\nrules: : :\n");
      expectUsageError(
        ["scan", "fixtures/hardened-node", "--config", file],
        new RegExp(`${escapeRe(file)}:3:`),
      );
    });

    it("an unknown key names file:line", () => {
      const file = config("unknown-key.yaml", "ignore:\n  - foo\nfrobnicate: true\n");
      const line = expectUsageError(
        ["scan", "fixtures/hardened-node", "--config", file],
        new RegExp(`${escapeRe(file)}:3:`),
      );
      expect(line).toMatch(/frobnicate/);
    });

    it("an unknown rule id names file:line", () => {
      const file = config("unknown-rule.yaml", "rules:\n  env-cors-wildcard: off\n  no-such-rule: high\n");
      const line = expectUsageError(
        ["scan", "fixtures/hardened-node", "--config", file],
        new RegExp(`${escapeRe(file)}:3`),
      );
      expect(line).toMatch(/no-such-rule/);
    });

    it("an invalid severity names file:line", () => {
      const file = config("bad-severity.yaml", "rules:\n  env-cors-wildcard: severe\n");
      expectUsageError(
        ["scan", "fixtures/hardened-node", "--config", file],
        new RegExp(`${escapeRe(file)}:2`),
      );
    });

    it("a missing config file", () => {
      const file = path.join(tmp, "no-such-config.yaml");
      expectUsageError(["scan", "fixtures/hardened-node", "--config", file], new RegExp(escapeRe(file)));
    });

    it("a valid config applies: a rule turned off is skipped, a re-rated one changes severity", () => {
      const file = config("valid.yaml", "rules:\n  env-cors-wildcard: off\n  env-placeholder-secret: low\n");
      const { result, report: r } = scanJson("fixtures/fastapi-compose-insecure", ["--config", file]);
      expect(result.status).toBe(1);
      expect(r.findings.filter((f) => f.ruleId === "env-cors-wildcard")).toEqual([]);
      expect(r.checks.find((c) => c.id === "env-cors-wildcard")?.status).toBe("skip");
      const placeholders = r.findings.filter((f) => f.ruleId === "env-placeholder-secret");
      expect(placeholders.length).toBeGreaterThan(0);
      expect(new Set(placeholders.map((f) => f.severity))).toEqual(new Set(["low"]));
    });

    it("ignore: a directory pattern leaves that directory out", () => {
      const dir = tempDir("config-ignore");
      writeTree(dir, {
        ".env": "BACKEND_CORS_ORIGINS=*\n",
        "legacy/.env": "CORS_ORIGINS=*\n",
        "legacy/docker-compose.yml": "services:\n  db:\n    image: redis:latest\n    privileged: true\n",
      });
      const file = config("ignore-dir.yaml", "ignore:\n  - legacy/\n");
      const { report: r } = scanJson(dir, ["--config", file]);
      expect(r.findings.map((f) => `${f.ruleId} ${f.location.file}`)).toContain("env-cors-wildcard .env");
      expect(r.findings.filter((f) => f.location.file?.startsWith("legacy/"))).toEqual([]);
    });

    it("ignore: a file pattern leaves that file out, env_file targets included", () => {
      const dir = tempDir("config-ignore-files");
      writeTree(dir, {
        ".env": "BACKEND_CORS_ORIGINS=*\n",
        "legacy.env": "CORS_ORIGINS=*\n",
        "old/app.env": "CORS_ORIGINS=*\n",
        "docker-compose.yml":
          "services:\n  db:\n    image: redis:latest\n    privileged: true\n    env_file: old/app.env\n",
      });
      const file = config("ignore-files.yaml", "ignore:\n  - docker-compose.yml\n  - legacy.env\n  - old/\n");
      const { report: r } = scanJson(dir, ["--config", file]);
      expect(r.findings.filter((f) => f.location.file !== ".env").map((f) => f.location.file)).toEqual([]);
      expect(r.findings.map((f) => f.ruleId)).toContain("env-cors-wildcard");
    });

    it("picks up .secaudit.yaml in the scanned directory", () => {
      const dir = tempDir("dotconfig");
      writeTree(dir, {
        ".env": "BACKEND_CORS_ORIGINS=*\n",
        ".secaudit.yaml": "rules:\n  env-cors-wildcard: off\n",
      });
      const { report: r } = scanJson(dir);
      expect(r.findings.filter((f) => f.ruleId === "env-cors-wildcard")).toEqual([]);
      writeFileSync(path.join(dir, ".secaudit.yaml"), "rules:\n  env-cors-wildcard: [\n");
      expectUsageError(["scan", dir], /\.secaudit\.yaml:\d+/);
    });
  });

  describe("--rules DIR with an invalid rule", () => {
    const original = readFileSync(path.join(ROOT, "rules", "env-cors-wildcard.yaml"), "utf8");
    // A copy with its own id, so only the deliberate breakage is wrong with it.
    const renamed = original.replace(/^id: env-cors-wildcard$/m, "id: team-cors-any");
    const lineOf = (text: string, needle: string): number =>
      text.split("\n").findIndex((l) => l.includes(needle)) + 1;

    function ruleDir(name: string, file: string, text: string): string {
      const dir = tempDir(`rules-${name}`);
      writeFileSync(path.join(dir, file), text);
      return dir;
    }

    it.each([
      {
        name: "wrong category",
        file: "team-cors-any.yaml",
        text: renamed.replace(/^category: cors$/m, "category: corz"),
        needle: "category: corz",
        message: /category/,
      },
      {
        name: "id differs from the file name",
        file: "team-cors-other.yaml",
        text: renamed,
        needle: "id: team-cors-any",
        message: /team-cors-any.*team-cors-other|team-cors-other.*team-cors-any/,
      },
      {
        name: "unknown predicate",
        file: "team-cors-any.yaml",
        text: renamed.replace("predicate: wildcardOrigin", "predicate: wildcardOrign"),
        needle: "wildcardOrign",
        message: /wildcardOrign/,
      },
      {
        name: "bad regex",
        file: "team-cors-any.yaml",
        text: renamed.replace("regex: '(CORS", "regex: '((CORS"),
        needle: "regex: '((CORS",
        message: /regex/i,
      },
      {
        name: "missing required key",
        file: "team-cors-any.yaml",
        text: renamed.replace(/^remediation: >\n(?: {2}.*\n)+/m, ""),
        needle: "id: team-cors-any",
        message: /remediation/,
      },
    ])("$name -> exit 2 naming file:line", ({ name, file, text, needle, message }) => {
      expect(text, "the breakage applied").not.toBe(original);
      const dir = ruleDir(name.replace(/\W+/g, "-"), file, text);
      const shown = path.join(dir, file);
      const line = lineOf(text, needle);
      expect(line).toBeGreaterThan(0);
      for (const args of [
        ["scan", "fixtures/hardened-node", "--rules", dir],
        ["rules", "--rules", dir],
      ]) {
        const first = expectUsageError(args, message);
        if (name === "missing required key") expect(first).toContain(`${shown}:`);
        else expect(first).toContain(`${shown}:${line}:`);
      }
    });

    it("a duplicate of a built-in id -> exit 2 naming both files", () => {
      const dir = ruleDir("duplicate", "env-cors-wildcard.yaml", original);
      const line = expectUsageError(["scan", "fixtures/hardened-node", "--rules", dir], /env-cors-wildcard/);
      expect(line).toContain(path.join(dir, "env-cors-wildcard.yaml"));
      expect(line).toContain("rules/env-cors-wildcard.yaml");
    });

    it("a missing rules directory -> exit 2", () => {
      expectUsageError(["scan", "fixtures/hardened-node", "--rules", path.join(tmp, "no-rules")], /no-rules/);
    });
  });

  it("explain of an unknown rule", () => {
    expectUsageError(["explain", "nope"], /nope/);
  });
});

describe("extra rules", () => {
  it("a valid rule from --rules is listed, explained and produces findings", () => {
    const dir = tempDir("extra-rules");
    const original = readFileSync(path.join(ROOT, "rules", "env-cors-wildcard.yaml"), "utf8");
    writeFileSync(
      path.join(dir, "team-cors-any.yaml"),
      original
        .replace(/^id: env-cors-wildcard$/m, "id: team-cors-any")
        .replace(/^title: .*$/m, "title: Team rule for any-origin CORS")
        .replace(/^severity: high$/m, "severity: medium"),
    );
    const listed = runCli(["rules", "--rules", dir]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain("team-cors-any");
    expect(listed.stdout).toContain(path.join(dir, "team-cors-any.yaml"));
    const asJson = runCli(["rules", "--rules", dir, "--format", "json"]);
    const rows = JSON.parse(asJson.stdout) as Array<{ id: string; category: string; severity: string }>;
    expect(rows.find((r) => r.id === "team-cors-any")).toMatchObject({
      category: "cors",
      severity: "medium",
    });
    expect(rows).toHaveLength(builtinRuleIds.length + 1);

    const explained = runCli(["explain", "team-cors-any", "--rules", dir]);
    expect(explained.status).toBe(0);
    expect(explained.stdout).toContain("Team rule for any-origin CORS");

    const project = tempDir("extra-rules-project");
    writeTree(project, { ".env": "APP_NAME=demo\nBACKEND_CORS_ORIGINS=*\n" });
    const { result, report: r } = scanJson(project, ["--rules", dir, "--fail-on", "medium"]);
    expect(result.status).toBe(1);
    const mine = r.findings.filter((f) => f.ruleId === "team-cors-any");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      category: "cors",
      severity: "medium",
      title: "Team rule for any-origin CORS",
      location: { file: ".env", line: 2, column: 1 },
    });
    expect(r.checks.filter((c) => c.id === "team-cors-any")).toHaveLength(1);
    // The built-in rule still runs next to it.
    expect(r.findings.filter((f) => f.ruleId === "env-cors-wildcard")).toHaveLength(1);
  });
});

describe("rules, explain, version", () => {
  it("secaudit rules lists every built-in rule id with its category, severity and source", () => {
    const r = runCli(["rules"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    for (const id of builtinRuleIds) {
      const row = r.stdout.split("\n").find((l) => l.startsWith(`${id} `));
      expect(row, id).toBeDefined();
      const rule = parseYaml(readFileSync(path.join(ROOT, "rules", `${id}.yaml`), "utf8")) as {
        category: string;
        severity: string;
        title: string;
      };
      expect(row).toContain(rule.category);
      expect(row).toContain(rule.severity);
      expect(row).toContain(rule.title);
      expect(row).toContain(`rules/${id}.yaml`);
    }
  });

  it("secaudit rules --format json lists every id", () => {
    const r = runCli(["rules", "--format", "json"]);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ id: string }>;
    expect(rows.map((row) => row.id).sort()).toEqual(builtinRuleIds);
  });

  it("secaudit explain env-cors-wildcard prints rationale, remediation and references", () => {
    const r = runCli(["explain", "env-cors-wildcard"]);
    expect(r.status).toBe(0);
    const rule = parseYaml(readFileSync(path.join(ROOT, "rules", "env-cors-wildcard.yaml"), "utf8")) as {
      title: string;
      rationale: string;
      remediation: string;
      references: string[];
    };
    const flat = (s: string) => s.replace(/\s+/g, " ").trim();
    const out = flat(r.stdout);
    expect(out).toContain("env-cors-wildcard");
    expect(out).toContain(rule.title);
    expect(out).toContain(flat(rule.rationale));
    expect(out).toContain(flat(rule.remediation));
    expect(rule.references.length).toBeGreaterThan(0);
    for (const ref of rule.references) expect(r.stdout).toContain(ref);
  });

  it.each(["--version", "-V"])("secaudit %s prints the package.json version", (flag) => {
    const r = runCli([flag]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("--help exits 0", () => {
    const r = runCli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scan/);
  });

  it("the built CLI is the one under test", () => {
    expect(statSync(BIN).isFile()).toBe(true);
  });
});
