import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRules } from "../src/engine/loader.js";
import { RuleRun, runRules } from "../src/engine/runner.js";
import { PREDICATES } from "../src/predicates/index.js";
import { projectSubjects, stagedProjectSubjects } from "../src/sources/all.js";
import { DEFAULT_MAX_FILE_BYTES } from "../src/sources/files.js";
import { loadProject } from "../src/sources/project.js";

// Annotated fixtures, Semgrep style: `# ruleid: <id>` on the line before a line that must produce
// that rule's finding, `# ok: <id>` before a trap that must not, `# todoruleid: <id>` for a known
// gap. Every finding in a fixture must be annotated, so a new false positive fails here.

const FIXTURES = path.resolve("fixtures");
const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const rules = await loadRules([], PREDICATES);

interface Expectation {
  kind: "ruleid" | "ok" | "todoruleid";
  ruleId: string;
  file: string;
  line: number;
}

function annotations(dir: string, files: readonly string[]): Expectation[] {
  const out: Expectation[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(dir, file), "utf8").split(/\r?\n/);
    lines.forEach((text, i) => {
      // package.json has no comments: npm's `"//"` key carries the annotation there.
      const m = /^\s*(?:#|\/\/|"\/\/":\s*")\s*(ruleid|ok|todoruleid):\s*([^"]+)"?,?$/.exec(text);
      if (!m) return;
      // The annotated line is the next one that is not itself an annotation.
      let target = i + 1;
      while (
        target < lines.length &&
        /^\s*(?:#|\/\/|"\/\/":\s*")\s*(ruleid|ok|todoruleid):/.test(lines[target] ?? "")
      )
        target++;
      for (const id of (m[2] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        out.push({ kind: m[1] as Expectation["kind"], ruleId: id, file, line: target + 1 });
      }
    });
  }
  return out;
}

describe.each(fixtures)("fixtures/%s", (name) => {
  const dir = path.join(FIXTURES, name);
  let expected: Expectation[] = [];
  let got = new Set<string>();
  beforeAll(async () => {
    const project = loadProject(dir, { maxFileBytes: DEFAULT_MAX_FILE_BYTES });
    const { subjects } = await projectSubjects(project, []);
    const { findings } = runRules(rules, subjects, PREDICATES);
    const scanned = [
      ...project.envFiles.map((e) => e.path),
      ...project.composeFiles.map((c) => c.path),
      ...project.sourceFiles.map((f) => f.path),
      ...project.codePaths.map((f) => f.path),
      ...project.configFiles.map((f) => f.path),
    ];
    expected = annotations(dir, scanned);
    got = new Set(findings.map((f) => `${f.ruleId}@${f.location.file}:${f.location.line}`));
  });

  it("annotations name real rules", () => {
    const ids = new Set(rules.map((r) => r.id));
    expect(expected.filter((e) => !ids.has(e.ruleId)).map((e) => `${e.file}:${e.line} ${e.ruleId}`)).toEqual(
      [],
    );
  });

  it("finds every `ruleid` annotation", () => {
    const missing = expected
      .filter((e) => e.kind === "ruleid" && !got.has(`${e.ruleId}@${e.file}:${e.line}`))
      .map((e) => `${e.ruleId}@${e.file}:${e.line}`);
    expect(missing, missing.join("\n")).toEqual([]);
  });

  it("stays silent on every `ok` annotation", () => {
    const wrong = expected
      .filter((e) => e.kind === "ok" && got.has(`${e.ruleId}@${e.file}:${e.line}`))
      .map((e) => `${e.ruleId}@${e.file}:${e.line}`);
    expect(wrong, wrong.join("\n")).toEqual([]);
  });

  it("reports nothing that is not annotated", () => {
    const annotated = new Set(
      expected.filter((e) => e.kind !== "ok").map((e) => `${e.ruleId}@${e.file}:${e.line}`),
    );
    const extra = [...got].filter((g) => !annotated.has(g));
    expect(extra, extra.join("\n")).toEqual([]);
  });

  it("gives the same result with the rules run in stages (the others' rules before the code's)", async () => {
    const project = loadProject(dir, { maxFileBytes: DEFAULT_MAX_FILE_BYTES });
    const staged = stagedProjectSubjects(project, []);
    const run = new RuleRun(rules, PREDICATES);
    run.add(staged.others);
    const code = await staged.code;
    run.add(code.subjects);
    expect(run.finish()).toEqual(runRules(rules, [...staged.others, ...code.subjects], PREDICATES));
  });
});
