import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectSubjects } from "../src/sources/all.js";
import { DEFAULT_MAX_FILE_BYTES } from "../src/sources/files.js";
import { loadProject } from "../src/sources/project.js";
import { assertBuilt, cleanEnv, runCli } from "./support/cli.js";

// The code scan of a large tree: source files are read and prefiltered on the main thread and
// parsed in a worker thread. Whichever thread parses, the report must be the same, and a worker
// that cannot start must cost nothing but time.

let tmp: string;
let tree: string;

/** Enough source files that pass the prefilter to start the parse worker (WORKER_FROM_JOBS). */
const FLAGGED = 240;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-code-scan-"));
  tree = path.join(tmp, "tree");
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    writeFileSync(path.join(tree, rel), text);
  };
  for (let i = 0; i < FLAGGED; i++) {
    const svc = `services/svc${String(i).padStart(3, "0")}`;
    write(
      `${svc}/settings.py`,
      `import os\n\n# the default below is a placeholder\nAPI_KEY = os.getenv("API_KEY", "changeme-${i}")\n`,
    );
    if (i % 2 === 0)
      write(
        `${svc}/main.py`,
        [
          "import uvicorn",
          "from fastapi import FastAPI",
          "",
          "app = FastAPI()",
          "",
          'if __name__ == "__main__":',
          '    uvicorn.run(app, host="0.0.0.0", port=8000)',
          "",
        ].join("\n"),
      );
    // Files the prefilter passes over.
    write(`${svc}/util.py`, `def add(a, b):\n    return a + b  # ${i}\n`);
    write(`${svc}/web/format.js`, `export const fmt = (n) => n.toFixed(${i % 5});\n`);
  }
  // A file that passes the prefilter and does not parse, and a minified one: both skipped with a reason.
  const prose = "This is not Python at all: it's (notes) [from] {a} meeting; 'quotes\" everywhere!\n";
  write("broken/app.py", `${prose.repeat(40)}uvicorn.run(app, host="0.0.0.0")\n`);
  write("vendor-min/lib.js", `var c=cors();${"a=1;".repeat(6_000)}\n`);
}, 60_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const stable = (report: Record<string, unknown>) => ({ ...report, stats: undefined });

describe("code scan with a parse worker", () => {
  it("a worker parses a large tree, and the report is the one the main thread alone gives", () => {
    assertBuilt();
    const shared = runCli(["scan", tree, "--format", "json"]);
    const single = runCli(["scan", tree, "--format", "json"], { env: cleanEnv({ SECAUDIT_THREADS: "1" }) });
    expect(shared.stderr).toBe("");
    expect(single.stderr).toBe("");
    const a = JSON.parse(shared.stdout);
    const b = JSON.parse(single.stdout);
    expect(a.stats.code.threads).toBe(os.availableParallelism() > 1 ? 2 : 1);
    expect(b.stats.code.threads).toBe(1);
    expect(a.stats.code).toMatchObject({ candidates: FLAGGED * 3.5 + 2, parsed: FLAGGED * 1.5 });
    expect(stable(a)).toEqual(stable(b));
    const ids = (a.findings as Array<{ ruleId: string }>).map((f) => f.ruleId);
    expect(ids.filter((id) => id === "py-run-all-interfaces")).toHaveLength(FLAGGED / 2);
    expect(ids.filter((id) => id === "code-secret-default")).toHaveLength(FLAGGED);
    expect(a.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "broken/app.py", reason: expect.stringMatching(/parse/) }),
        { path: "vendor-min/lib.js", reason: "minified file: not parsed as source" },
      ]),
    );
  }, 60_000);

  it("a worker that cannot start costs nothing but time: the main thread parses everything", async () => {
    // Under vitest the sources are TypeScript and there is no worker.js beside them: the worker fails
    // to load, as it would on a broken install.
    const skippedA: Array<{ path: string; reason: string }> = [];
    const withWorker = loadProject(tree, { maxFileBytes: DEFAULT_MAX_FILE_BYTES, workerFrom: 0 });
    const a = await projectSubjects(withWorker, skippedA);
    const skippedB: Array<{ path: string; reason: string }> = [];
    const alone = loadProject(tree, {
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      workerFrom: Number.POSITIVE_INFINITY,
    });
    const b = await projectSubjects(alone, skippedB);
    expect(a.code.threads).toBe(1);
    expect(a.code.parsed).toBe(FLAGGED * 1.5);
    expect(a.subjects).toEqual(b.subjects);
    expect(skippedA).toEqual(skippedB);
  }, 60_000);
});
