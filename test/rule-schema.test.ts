import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ruleJsonSchema } from "../src/engine/rule-json-schema.js";

it("schema/rule.schema.json matches the zod rule schema (regenerate: npm run schema)", () => {
  expect(readFileSync("schema/rule.schema.json", "utf8")).toBe(ruleJsonSchema());
});
