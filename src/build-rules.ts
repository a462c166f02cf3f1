import { writeFileSync } from "node:fs";
import path from "node:path";
import { BUILTIN_RULES_DIR, COMPILED_RULES } from "./engine/loader.js";
import { loadRuleDir } from "./engine/rule-file.js";
import { PREDICATES } from "./predicates/index.js";

// Build step (npm run build): validate every built-in rule and write them, without their test
// tables, to dist/rules.json, which a scan loads instead of parsing 28 YAML files.

const rules = loadRuleDir(BUILTIN_RULES_DIR, PREDICATES, (f) => `rules/${path.basename(f)}`).map(
  ({ tests: _tests, ...rule }) => rule,
);
writeFileSync(COMPILED_RULES, `${JSON.stringify(rules)}\n`);
process.stdout.write(`compiled ${rules.length} rules to ${path.relative(process.cwd(), COMPILED_RULES)}\n`);
