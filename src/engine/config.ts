import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.js";
import type { RuleOverride } from "./runner.js";
import type { Rule } from "./schema.js";
import { SEVERITIES } from "./types.js";
import { parseValidatedYaml } from "./yaml-file.js";

export const configSchema = z.strictObject({
  /** Paths to leave out of the scan, in .gitignore syntax, relative to the scanned root. */
  ignore: z.array(z.string().min(1)).optional(),
  /** Per rule id: "off", or a severity that re-rates its findings. */
  rules: z.record(z.string(), z.enum(["off", ...SEVERITIES])).optional(),
  /** Files larger than this many bytes are skipped (and listed as skipped). */
  maxFileBytes: z.number().int().positive().optional(),
});

export type Config = z.infer<typeof configSchema> & { source?: string };

/** `--config FILE`, else `.secaudit.yaml` in the scanned dir if present, else defaults. */
export function loadConfig(root: string, explicit?: string): Config {
  const file = explicit ?? path.join(root, ".secaudit.yaml");
  if (!explicit && !existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return { ...parseValidatedYaml(text, file, configSchema), source: file };
}

export function ruleOverrides(config: Config, rules: readonly Rule[]): Map<string, RuleOverride> {
  const known = new Set(rules.map((r) => r.id));
  const out = new Map<string, RuleOverride>();
  for (const [id, setting] of Object.entries(config.rules ?? {})) {
    if (!known.has(id)) {
      const text = config.source ? readFileSync(config.source, "utf8").split("\n") : [];
      const line = Math.max(1, text.findIndex((l) => l.includes(id)) + 1);
      throw new UsageError(
        `${config.source ?? "config"}:${line}: rules.${id}: no rule has this id (see \`secaudit rules\`)`,
      );
    }
    out.set(id, { setting });
  }
  return out;
}
