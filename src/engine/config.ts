import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./errors.js";
import type { RuleOverride } from "./runner.js";
import type { Rule } from "./schema.js";
import type { Severity } from "./types.js";

export interface Config {
  ignore?: string[];
  rules?: Record<string, "off" | Severity>;
  maxFileBytes?: number;
  accept?: Array<{ fingerprint: string; reason: string; expires?: string; rule?: string }>;
  probe?: { burst?: number; extraPaths?: string[]; headersFromEnv?: Record<string, string> };
  /** The file it came from, for messages. */
  source?: string;
}

/** `--config FILE`, else `.secaudit.yaml` in the scanned dir if present, else defaults. */
export async function loadConfig(root: string, explicit?: string): Promise<Config> {
  const file = explicit ?? path.join(root, ".secaudit.yaml");
  if (!explicit && !existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const { parseConfig } = await import("./config-file.js");
  return { ...parseConfig(text, file), source: file };
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
