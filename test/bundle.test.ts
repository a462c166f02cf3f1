import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runCli, scanJson } from "./support/cli.js";
import { seeded } from "./support/fake.js";

// Built bundles on disk, scanned by the built CLI: git-ignored build output is read anyway, a
// multi-megabyte minified bundle is read whole and quickly, and the key never appears whole.

let base: string;
const STRIPE = `sk_live_51${seeded(30, undefined, 11)}`;
const OPENAI = `sk-proj-${seeded(40, undefined, 12)}`;

beforeAll(() => {
  assertBuilt();
  base = mkdtempSync(path.join(os.tmpdir(), "secaudit-bundle-"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = path.join(base, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** A 5 MB minified bundle: one line of filler code with the key somewhere in the middle. */
function minifiedBundle(key: string): string {
  const filler = 'function a(n){return n.map(function(t){return t*2+"x"})}var b={c:1,d:"text"};'.repeat(
    35_000,
  );
  return `${filler}const e={MODE:"production",VITE_STRIPE_SECRET_KEY:"${key}"};${filler}`;
}

describe("built client bundles", () => {
  it("reads a git-ignored dist/ and finds the inlined key, masked", () => {
    const root = tree("vite", {
      ".gitignore": "node_modules\ndist\n",
      "package.json": '{"name":"web","scripts":{"build":"vite build"}}\n',
      "dist/assets/index-4f9a2c1b.js": minifiedBundle(STRIPE),
      "dist/index.html": '<script type="module" src="/assets/index-4f9a2c1b.js"></script>\n',
    });
    const { result, report } = scanJson(root, [], { timeoutMs: 20_000 });
    expect(result.status).toBe(1);
    const found = report.findings.filter((f) => f.ruleId === "bundle-secret");
    expect(found).toEqual([
      expect.objectContaining({
        severity: "critical",
        location: expect.objectContaining({ file: "dist/assets/index-4f9a2c1b.js", line: 1 }),
      }),
    ]);
    expect(found[0]?.message).toContain("VITE_STRIPE_SECRET_KEY");
    expect(found[0]?.evidence.length).toBeLessThan(120);
    expect(result.stdout).not.toContain(STRIPE);
    for (const format of ["text", "sarif", "markdown"]) {
      expect(runCli(["scan", root, "--format", format]).stdout, format).not.toContain(STRIPE);
    }
  });

  it("leaves caches and server output alone, and source files to the code rules", () => {
    const root = tree("next", {
      ".gitignore": ".next\nnode_modules\n",
      ".next/server/app/page.js": `const k="${OPENAI}";`,
      ".next/cache/webpack/client.js": `const k="${OPENAI}";`,
      "app/page.tsx": "export default function Page() { return <main>hi</main>; }\n",
      ".next/static/chunks/main-app.js": `(self.x=self.x||[]).push({k:"${OPENAI}"});`,
    });
    const { report } = scanJson(root, [], { timeoutMs: 20_000 });
    expect(report.findings.map((f) => `${f.ruleId} ${f.location.file}`)).toEqual([
      "bundle-secret .next/static/chunks/main-app.js",
    ]);
  });

  it("also reads a git-ignored .streamlit/ (the config Streamlit runs with)", () => {
    const root = tree("streamlit", {
      ".gitignore": ".streamlit/\n",
      ".streamlit/config.toml": "[server]\nenableXsrfProtection = false\n",
      "app.py": "import streamlit as st\nst.title('hi')\n",
    });
    const { report } = scanJson(root, [], { timeoutMs: 20_000 });
    expect(report.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`)).toEqual([
      "streamlit-xsrf-disabled .streamlit/config.toml:2",
    ]);
  });

  it("treats hand-written source under a build/ folder as code, not as a bundle", () => {
    const root = tree("tools-build", {
      "tools/build/server.js": "const app = require('express')();\napp.listen(3000, '0.0.0.0');\n",
    });
    const { report } = scanJson(root, [], { timeoutMs: 20_000 });
    expect(report.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`)).toEqual([
      "js-listen-all-interfaces tools/build/server.js:2",
    ]);
  });

  it("does not enter other git-ignored directories", () => {
    const root = tree("ignored", {
      ".gitignore": "coverage\n",
      "coverage/lcov-report/app.js": `const k="${OPENAI}";`,
      "dist/app.js": "console.log(1);\n",
    });
    const { report } = scanJson(root, [], { timeoutMs: 20_000 });
    expect(report.findings).toEqual([]);
  });
});
