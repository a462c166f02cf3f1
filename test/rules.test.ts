import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_RULES_DIR } from "../src/engine/loader.js";
import { loadRuleFile, ruleFiles } from "../src/engine/rule-file.js";
import { RuleRun, runRules } from "../src/engine/runner.js";
import type { RuleTestCase } from "../src/engine/schema.js";
import { CATEGORIES } from "../src/engine/types.js";
import { PREDICATES } from "../src/predicates/index.js";
import { SKIP_REASONS } from "../src/scan.js";
import { projectSubjects } from "../src/sources/all.js";
import { fileSourceSkipReasons } from "../src/sources/file-sources.js";
import { memoryProject } from "./support/memory-project.js";

// Every built-in rule carries its own table of valid and invalid cases (ESLint's RuleTester idea).
// This file runs them all, and enforces the hygiene that keeps the tables meaningful.

const files = ruleFiles(BUILTIN_RULES_DIR);
const rules = files.map((f) => loadRuleFile(f, PREDICATES, `rules/${path.basename(f)}`));

async function run(ruleIndex: number, c: RuleTestCase) {
  const rule = rules[ruleIndex];
  if (!rule) throw new Error("no rule");
  const project = memoryProject(c.files, c.tracked);
  const { subjects } = await projectSubjects(project, []);
  return runRules([rule], subjects, PREDICATES).findings;
}

describe("rule catalogue", () => {
  it("has rules in every static category it promises", () => {
    const used = new Set(rules.map((r) => r.category));
    for (const c of CATEGORIES.filter((c) => c !== "headers")) expect(used, c).toContain(c);
  });

  it("applies every rule to a kind of subject some source produces", () => {
    const kinds = new Set([...Object.keys(SKIP_REASONS), ...Object.keys(fileSourceSkipReasons())]);
    expect(rules.filter((r) => !kinds.has(r.appliesTo)).map((r) => `${r.id}: ${r.appliesTo}`)).toEqual([]);
  });

  // Probe rules are tested against real servers in test/probe.test.ts, which checks that
  // every one of them has a positive and a negative case there.
  const staticRules = rules.filter((r) => !r.appliesTo.startsWith("probe-"));
  it.each(staticRules.map((r) => [r.id, r] as const))(
    "%s has tests, docs and no duplicate cases",
    (_id, rule) => {
      expect(rule.tests?.valid.length ?? 0).toBeGreaterThan(0);
      expect(rule.tests?.invalid.length ?? 0).toBeGreaterThan(0);
      for (const c of rule.tests?.invalid ?? [])
        expect(c.findings?.length ?? 0, "an invalid case lists its findings").toBeGreaterThan(0);
      const keys = [...(rule.tests?.valid ?? []), ...(rule.tests?.invalid ?? [])].map((c) =>
        JSON.stringify(c.files),
      );
      expect(new Set(keys).size, "duplicate test case").toBe(keys.length);
      expect(rule.message).toMatch(/\S/);
      expect(rule.references.length).toBeGreaterThan(0);
    },
  );
});

describe.each(
  rules.map((r, i) => [r.id, i] as const).filter(([, i]) => !rules[i]?.appliesTo.startsWith("probe-")),
)("%s", (_id, index) => {
  const rule = rules[index];
  const valid = rule?.tests?.valid ?? [];
  const invalid = rule?.tests?.invalid ?? [];
  it.each(valid.map((c, i) => [c.name ?? `valid #${i + 1}`, c] as const))("valid: %s", async (_n, c) => {
    expect((await run(index, c)).map((f) => `${f.location.file}:${f.location.line} ${f.message}`)).toEqual(
      [],
    );
  });
  it.each(invalid.map((c, i) => [c.name ?? `invalid #${i + 1}`, c] as const))(
    "invalid: %s",
    async (_n, c) => {
      const key = (f: { file?: string; line?: number }) => `${f.file}:${String(f.line).padStart(5, "0")}`;
      const got = (await run(index, c))
        .map((f) => ({ file: f.location.file, line: f.location.line, severity: f.severity }))
        .sort((a, b) => key(a).localeCompare(key(b)));
      const want = [...(c.findings ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
      expect(got.map((g, i) => (want[i]?.severity ? g : { file: g.file, line: g.line }))).toEqual(
        want.map((w) => (w.severity ? w : { file: w.file, line: w.line })),
      );
    },
  );
});

describe("rules run in stages", () => {
  it("refuses a subject kind added twice (its rules would have run on half of it)", async () => {
    const { subjects } = await projectSubjects(memoryProject({ ".env": "API_KEY=changeme\n" }), []);
    const run = new RuleRun(rules, PREDICATES);
    run.add(subjects);
    expect(() => run.add(subjects)).toThrow(/env-entry subjects added twice/);
  });
});
