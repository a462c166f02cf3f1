import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PredicateCatalogue } from "./conditions.js";
import { compileRegex, predicateNames, regexSources } from "./conditions.js";
import { UsageError } from "./errors.js";
import { type Rule, ruleSchema } from "./schema.js";
import { parseValidatedYaml } from "./yaml-file.js";

export const BUILTIN_RULES_DIR = fileURLToPath(new URL("../../rules", import.meta.url));

/** Rule files in a directory: one rule per `<id>.yaml`. */
export function ruleFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new UsageError(
      `${dir}: cannot read rules directory (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Load and validate one rule file. Everything a rule can get wrong is caught here, with the file
 * and line: schema errors, an id that differs from the file name, unknown predicates, bad regexes.
 */
export function loadRuleFile(file: string, predicates: PredicateCatalogue, displayPath = file): Rule {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(
      `${displayPath}: cannot read rule file (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const def = parseValidatedYaml(text, displayPath, ruleSchema);
  const lineOf = (needle: string): number => {
    const i = text.split("\n").findIndex((l) => l.includes(needle));
    return i < 0 ? 1 : i + 1;
  };
  const base = path.basename(file).replace(/\.ya?ml$/, "");
  if (def.id !== base) {
    throw new UsageError(
      `${displayPath}:${lineOf("id:")}: rule id "${def.id}" must equal the file name "${base}"`,
    );
  }
  const conditions = [def.match, ...(def.severityWhen ?? []).map((s) => s.when)];
  for (const name of conditions.flatMap(predicateNames)) {
    if (!predicates[name]) {
      const known = Object.keys(predicates).sort().join(", ");
      throw new UsageError(`${displayPath}:${lineOf(name)}: unknown predicate "${name}" (known: ${known})`);
    }
  }
  for (const source of conditions.flatMap(regexSources)) {
    try {
      compileRegex(source);
    } catch (err) {
      throw new UsageError(`${displayPath}:${lineOf(source)}: invalid regex: ${(err as Error).message}`);
    }
  }
  return { ...def, source: displayPath };
}

/** Built-in rules plus every `--rules DIR`; a duplicate id is an error naming both files. */
export function loadRules(extraDirs: readonly string[], predicates: PredicateCatalogue): Rule[] {
  const rules: Rule[] = [];
  const byId = new Map<string, Rule>();
  const dirs: Array<[string, boolean]> = [
    [BUILTIN_RULES_DIR, true],
    ...extraDirs.map((d): [string, boolean] => [d, false]),
  ];
  for (const [dir, builtin] of dirs) {
    for (const file of ruleFiles(dir)) {
      const shown = builtin ? `rules/${path.basename(file)}` : file;
      const rule = loadRuleFile(file, predicates, shown);
      const prior = byId.get(rule.id);
      if (prior)
        throw new UsageError(`${shown}:1: rule id "${rule.id}" is already defined in ${prior.source}`);
      byId.set(rule.id, rule);
      rules.push(rule);
    }
  }
  return rules;
}
