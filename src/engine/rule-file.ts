// Reading rule files: YAML parsing and zod validation. Loaded only when YAML rules are read
// (extra --rules dirs, a rule edited since the last build, the rule tests), not on every scan.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PredicateCatalogue } from "./conditions.js";
import { compileRegex, predicateNames, regexSources } from "./conditions.js";
import { UsageError } from "./errors.js";
import { type Rule, ruleSchema } from "./schema.js";
import { parseValidatedYaml } from "./yaml-file.js";

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

/** Every rule file of a directory, validated; `shown` names files in messages. */
export function loadRuleDir(
  dir: string,
  predicates: PredicateCatalogue,
  shown: (file: string) => string,
): Rule[] {
  return ruleFiles(dir).map((file) => loadRuleFile(file, predicates, shown(file)));
}
