import { statSync } from "node:fs";
import { loadConfig, ruleOverrides } from "./engine/config.js";
import { UsageError } from "./engine/errors.js";
import { loadRules } from "./engine/loader.js";
import { buildReport, type Report } from "./engine/report.js";
import { runRules } from "./engine/runner.js";
import { PREDICATES } from "./predicates/index.js";
import { DEFAULT_MAX_FILE_BYTES } from "./sources/files.js";
import { loadProject } from "./sources/project.js";
import { staticSubjects } from "./sources/subjects.js";

export interface ScanOptions {
  dir: string;
  rulesDirs: readonly string[];
  configPath?: string;
  version: string;
}

/** sources → engine → report: the static audit of one tree. */
export async function scanProject(options: ScanOptions): Promise<Report> {
  const { dir } = options;
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`${dir}: no such directory`);
  }
  if (!isDir) throw new UsageError(`${dir}: not a directory`);
  const config = await loadConfig(dir, options.configPath);
  const rules = await loadRules(options.rulesDirs, PREDICATES);
  const overrides = ruleOverrides(config, rules);
  const project = loadProject(dir, {
    maxFileBytes: config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ignore: config.ignore,
  });
  const result = runRules(rules, staticSubjects(project), PREDICATES, overrides);
  const notes: string[] = [];
  if (!project.git.available) {
    notes.push(`git: ${project.git.reason}; whether env files are committed is judged by .gitignore alone`);
  }
  if (config.source) notes.push(`config: ${config.source}`);
  return buildReport(options.version, { root: dir, urls: [] }, result, {
    skipped: project.skipped,
    notes,
    filesScanned: project.envFiles.length + project.composeFiles.length,
  });
}
