import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PredicateCatalogue } from "./conditions.js";
import { UsageError } from "./errors.js";
import type { Rule } from "./schema.js";

export const BUILTIN_RULES_DIR = fileURLToPath(new URL("../../rules", import.meta.url));
/** The built-in rules, validated and compiled to JSON at build time (src/build-rules.ts). */
export const COMPILED_RULES = fileURLToPath(new URL("../rules.json", import.meta.url));

/**
 * Built-in rules plus every `--rules DIR`; a duplicate id is an error naming both files.
 * Built-ins come from the build's JSON (no YAML parse, no zod on the hot path) unless a rule file
 * changed after the build, in which case they are read from YAML like user rules.
 */
export async function loadRules(
  extraDirs: readonly string[],
  predicates: PredicateCatalogue,
): Promise<Rule[]> {
  let builtins = compiledBuiltins();
  if (!builtins || extraDirs.length > 0) {
    const { loadRuleDir } = await import("./rule-file.js");
    builtins ??= loadRuleDir(BUILTIN_RULES_DIR, predicates, (f) => `rules/${path.basename(f)}`);
    const rules = [...builtins];
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const dir of extraDirs) {
      for (const rule of loadRuleDir(dir, predicates, (f) => f)) {
        const prior = byId.get(rule.id);
        if (prior)
          throw new UsageError(
            `${rule.source}:1: rule id "${rule.id}" is already defined in ${prior.source}`,
          );
        byId.set(rule.id, rule);
        rules.push(rule);
      }
    }
    return rules;
  }
  return builtins;
}

function compiledBuiltins(): Rule[] | undefined {
  try {
    const built = statSync(COMPILED_RULES).mtimeMs;
    for (const name of readdirSync(BUILTIN_RULES_DIR)) {
      if (statSync(path.join(BUILTIN_RULES_DIR, name)).mtimeMs > built) return undefined;
    }
    return JSON.parse(readFileSync(COMPILED_RULES, "utf8")) as Rule[];
  } catch {
    return undefined;
  }
}
