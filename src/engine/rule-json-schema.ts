import { z } from "zod";
import { ruleSchema } from "./schema.js";

/**
 * The rule format as JSON Schema, generated from the zod schema the loader uses, so editors can
 * autocomplete and validate rule files (`# yaml-language-server: $schema=../schema/rule.schema.json`).
 * test/rule-schema.test.ts keeps the committed file in step.
 */
export function ruleJsonSchema(): string {
  const schema = z.toJSONSchema(ruleSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "secaudit rule" }, null, 2)}\n`;
}
