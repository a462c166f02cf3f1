import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { rulesTable, withTable } from "../scripts/readme-rules.mjs";

// The README's rule table is generated from the rules (`npm run docs`): it can never drift.
describe("README", () => {
  it("lists every built-in rule as the rules say", () => {
    const rules = JSON.parse(readFileSync("dist/rules.json", "utf8")) as unknown[];
    const readme = readFileSync("README.md", "utf8");
    expect(readme, "README.md is stale: run npm run docs").toBe(withTable(readme, rulesTable(rules)));
  });
});
