import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../src/engine/report.js";
import { CATEGORIES } from "../src/engine/types.js";
import { formatHtml } from "../src/reporters/html.js";
import { assertBuilt, runCli } from "./support/cli.js";

// The HTML report, rendered from real reports of the built CLI (`npm run build` first) and opened in
// Debian's Chromium from file:// with no network: no console error, no page error, no request that
// fails (the page must need none), the grade and findings visible, the severity filter working, and
// hostile text from scanned files shown as text, never run.

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`html.test.ts: ${CHROMIUM} not found, skipping the browser tests (apt-get install chromium)`);
}

const HOSTILE_SCRIPT = "<script>alert(1)</script>";
const HOSTILE_IMG = "<img src=x onerror=alert(1)>";

function scanReport(fixture: string): Report {
  const r = runCli(["scan", `fixtures/${fixture}`, "--format", "json", "--fail-on", "none"]);
  if (r.status !== 0) throw new Error(`scan ${fixture} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

/** A report with everything optional filled in, and markup everywhere a scanned file or server speaks. */
function hostileReport(): Report {
  return {
    schemaVersion: 1,
    tool: { name: "secaudit", version: "0.0.0-test" },
    stats: {
      filesSeen: 3,
      code: { candidates: 1, prefiltered: 0, parsed: 1, parseMs: 5, threads: 1 },
      durationMs: 9,
    },
    target: { root: `proj"><b>x</b>`, urls: ["http://127.0.0.1:8000/?q=<i>y</i>"] },
    score: {
      value: 59,
      grade: "D",
      algorithmVersion: 1,
      breakdown: [{ ruleId: "probe-auth-missing", severity: "critical", modifier: -30 }],
      cappedBy: "probe-auth-missing",
    },
    summary: {
      bySeverity: { critical: 1, high: 0, medium: 0, low: 1, info: 0 },
      checks: { pass: 0, fail: 2, warn: 0, skip: 1 },
      filesScanned: 1,
      suppressed: 1,
    },
    checks: [
      {
        id: "probe-auth-missing",
        title: "API answers without credentials",
        category: "auth",
        severity: "critical",
        status: "fail",
        findingCount: 1,
      },
      {
        id: "env-plain-http-url",
        title: "Plain HTTP URL",
        category: "transport",
        severity: "low",
        status: "fail",
        findingCount: 1,
      },
      {
        id: "compose-privileged",
        title: "Privileged container",
        category: "container",
        severity: "high",
        status: "skip",
        findingCount: 0,
        reason: "no compose file <found>",
      },
    ],
    findings: [
      {
        ruleId: "probe-auth-missing",
        category: "auth",
        severity: "critical",
        title: "API answers without credentials",
        message: `GET /admin answered 200 with ${HOSTILE_IMG}`,
        location: { url: "http://127.0.0.1:8000/admin?x=<svg onload=alert(1)>" },
        evidence: `${HOSTILE_SCRIPT} ${HOSTILE_IMG} ' " &amp;`,
        remediation: "Require a key: `if (!key) return 401` and <b>never</b> run open.",
        fingerprint: "a",
        related: [{ ruleId: "env-empty-api-key", location: { file: ".env", line: 3 } }],
      },
      {
        ruleId: "env-plain-http-url",
        category: "transport",
        severity: "low",
        title: "Plain HTTP URL",
        message: "API_URL uses http://",
        location: { file: ".env", line: 4, column: 1 },
        evidence: `API_URL=http://example.test/${HOSTILE_SCRIPT}`,
        remediation: "Use https://.",
        fingerprint: "b",
      },
    ],
    suppressed: [
      {
        ruleId: "env-weak-secret",
        category: "weak-secret",
        severity: "high",
        title: "Weak secret",
        message: "JWT_SECRET is weak",
        location: { file: "test/.env", line: 1 },
        evidence: "JWT_SECRET=chan****",
        remediation: "Generate one.",
        fingerprint: "c",
        suppression: { kind: "inline", justification: "test fixture <i>only</i>" },
      },
    ],
    skipped: [{ path: "big<file>.env", reason: "larger than 1 MiB" }],
    notes: ["not a git repository: <tracked> files cannot be told apart"],
    probe: [
      {
        url: "http://127.0.0.1:8000/",
        requestsSent: 41,
        requestBudget: 60,
        wallMs: 1234,
        notes: ["body <truncated> at 256 KiB"],
      },
    ],
  };
}

describe("formatHtml (no browser)", () => {
  it("escapes every string, is deterministic, self-contained and small", () => {
    const report = hostileReport();
    const html = formatHtml(report);
    expect(formatHtml(hostileReport())).toBe(html);
    expect(html).not.toContain(HOSTILE_SCRIPT);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<svg");
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&amp;amp;");
    expect(html.match(/<script/g)).toHaveLength(1);
    // Nothing fetched: no external resource of any kind.
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain("Content-Security-Policy");
  });
});

describe.skipIf(!hasChromium)("formatHtml in Chromium", () => {
  let browser: Browser;
  let dir: string;
  let insecure: Report;
  let hardened: Report;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), "secaudit-html-"));
    insecure = scanReport("vite-backend-insecure");
    hardened = scanReport("hardened-node");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Opened {
    page: Page;
    problems: string[];
    dialogs: string[];
  }

  async function open(name: string, html: string): Promise<Opened> {
    const file = path.join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`request: ${r.url()}`);
    });
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, problems, dialogs };
  }

  it("renders the insecure fixture: grade, findings, masked evidence, severity filter", async () => {
    const html = formatHtml(insecure);
    // Self-contained and light: about 0.5 KB per check listed (88 rules) and per finding, plus styles.
    expect(Buffer.byteLength(html)).toBeLessThan(80 * 1024);
    const { page, problems, dialogs } = await open("insecure", html);

    await expect(page.locator(".badge .grade").innerText()).resolves.toBe(insecure.score.grade);
    expect(insecure.score.grade).toBe("F");
    await expect(page.locator("#score").innerText()).resolves.toBe(String(insecure.score.value));

    const critical = page.locator('.finding[data-sev="critical"]');
    const others = page.locator('.finding:not([data-sev="critical"])');
    const nCritical = insecure.findings.filter((f) => f.severity === "critical").length;
    expect(nCritical).toBeGreaterThan(0);
    await expect(critical.count()).resolves.toBe(nCritical);
    expect(await others.count()).toBe(insecure.findings.length - nCritical);

    const secret = critical.filter({ hasText: "Server-side secret in a client-exposed variable" }).first();
    await expect(secret.isVisible()).resolves.toBe(true);
    const evidence = secret.locator("pre code");
    await expect(evidence.innerText()).resolves.toBe("VITE_STRIPE_SECRET_KEY=sk_l****");
    await expect(evidence.isVisible()).resolves.toBe(true);

    // Every category bar is there, in the contract's order.
    await expect(page.locator(".cats .name").allInnerTexts()).resolves.toEqual([...CATEGORIES]);

    // Hide critical: the critical findings go, the rest stay.
    await page.getByLabel("critical").uncheck();
    for (const el of await critical.all()) await expect(el.isHidden()).resolves.toBe(true);
    for (const el of await others.all()) await expect(el.isVisible()).resolves.toBe(true);
    await expect(page.locator("#shown").innerText()).resolves.toBe(
      `${insecure.findings.length - nCritical} of ${insecure.findings.length} shown`,
    );
    await page.getByRole("button", { name: "Show all" }).click();
    for (const el of await critical.all()) await expect(el.isVisible()).resolves.toBe(true);

    const png = path.join(dir, "insecure.png");
    await page.screenshot({ path: png, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(10_000);
    if (process.env.SECAUDIT_HTML_SCREENSHOT) {
      await page.screenshot({ path: process.env.SECAUDIT_HTML_SCREENSHOT, fullPage: true });
    }

    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("renders the hardened fixture: A+ and no findings", async () => {
    const { page, problems } = await open("hardened", formatHtml(hardened));
    await expect(page.locator(".badge .grade").innerText()).resolves.toBe("A+");
    await expect(page.getByText("No findings.").isVisible()).resolves.toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows hostile evidence as text: no dialog, no extra element", async () => {
    const { page, problems, dialogs } = await open("hostile", formatHtml(hostileReport()));
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await expect(page.locator("img, svg, b, i").count()).resolves.toBe(0);
    await expect(page.locator("script").count()).resolves.toBe(1);
    const evidence = page.locator(".finding pre code").first();
    await expect(evidence.innerText()).resolves.toBe(`${HOSTILE_SCRIPT} ${HOSTILE_IMG} ' " &amp;`);
    await expect(evidence.isVisible()).resolves.toBe(true);
    await expect(page.getByText(HOSTILE_IMG, { exact: false }).first().isVisible()).resolves.toBe(true);
    await expect(page.locator(".cap").innerText()).resolves.toContain("Capped at 59");
    await expect(page.getByText("body <truncated> at 256 KiB").isVisible()).resolves.toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
