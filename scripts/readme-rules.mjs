#!/usr/bin/env node
// Regenerates the rule table in README.md (between the rules:start/end markers) from the built
// rules: `npm run docs`. test/docs.test.ts fails when the README and the rules disagree.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const README = path.join(ROOT, "README.md");
const START = "<!-- rules:start (npm run docs) -->";
const END = "<!-- rules:end -->";

export function rulesTable(rules) {
  const rows = [...rules]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => `| \`${r.id}\` | ${r.category} | ${r.severity} | ${r.appliesTo} | ${r.title} |`);
  return ["| rule | category | severity | reads | title |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

export function predicatesTable(predicates) {
  const rows = Object.entries(predicates).map(([name, p]) => `| \`${name}\` | ${p.description.replaceAll("|", "\\|")} |`);
  return ["| predicate | holds when |", "| --- | --- |", ...rows].join("\n");
}

export function withTable(readme, table, start = START, end = END) {
  const a = readme.indexOf(start);
  const b = readme.indexOf(end, a);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${start} ... ${end} not found`);
  return `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`;
}

export const PREDICATES_START = "<!-- predicates:start (npm run docs) -->";
export const PREDICATES_END = "<!-- predicates:end -->";

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const rules = JSON.parse(readFileSync(path.join(ROOT, "dist", "rules.json"), "utf8"));
  const list = Array.isArray(rules) ? rules : rules.rules;
  const { PREDICATES } = await import(path.join(ROOT, "dist", "predicates", "index.js"));
  let readme = withTable(readFileSync(README, "utf8"), rulesTable(list));
  readme = withTable(readme, predicatesTable(PREDICATES), PREDICATES_START, PREDICATES_END);
  writeFileSync(README, readme);
  console.log(`README.md: ${list.length} rules, ${Object.keys(PREDICATES).length} predicates`);
}
