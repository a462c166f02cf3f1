import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  PREDICATES_END,
  PREDICATES_START,
  predicatesTable,
  rulesTable,
  withTable,
} from "../scripts/readme-rules.mjs";
import { PREDICATES } from "../src/predicates/index.js";

// The README's rule table is generated from the rules (`npm run docs`): it can never drift.
describe("README", () => {
  it("lists every built-in rule as the rules say", () => {
    const rules = JSON.parse(readFileSync("dist/rules.json", "utf8")) as Parameters<typeof rulesTable>[0];
    const readme = readFileSync("README.md", "utf8");
    expect(readme, "README.md is stale: run npm run docs").toBe(withTable(readme, rulesTable(rules)));
  });

  it("lists every predicate with its description", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(readme, "README.md is stale: run npm run docs").toBe(
      withTable(readme, predicatesTable(PREDICATES), PREDICATES_START, PREDICATES_END),
    );
  });
});
