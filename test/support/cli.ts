import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Running the built CLI as a user would: `node bin/secaudit.js ...` in a subprocess, with a timeout
// so a hang fails the test instead of the run. `npm run build` must have run first (npm test does).

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = path.join(ROOT, "bin", "secaudit.js");
export const VERSION: string = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be spawned or was killed by the timeout. */
  error?: Error;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  uid?: number;
  gid?: number;
}

/** The environment a CI job would have: no colour forcing, no NO_COLOR, not a CI-less TTY. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return { ...env, ...extra };
}

export function assertBuilt(): void {
  if (!existsSync(path.join(ROOT, "dist", "cli.js"))) {
    throw new Error("dist/cli.js is missing: run `npm run build` before these tests (npm test does)");
  }
}

export function runCli(args: readonly string[], options: RunOptions = {}): CliResult {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    encoding: "utf8",
    timeout: options.timeoutMs ?? 20_000,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const r = spawnSync(process.execPath, [BIN, ...args], spawnOptions);
  return {
    status: r.status,
    signal: r.signal,
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** The contract's JSON report, as far as these tests read it. */
export interface JsonReport {
  schemaVersion: number;
  tool: { name: string; version: string };
  target: { root: string; urls: string[] };
  score: { value: number; grade: string };
  routes?: Array<{ method: string; path: string; guarded: boolean; file: string; line: number }>;
  summary: {
    bySeverity: Record<string, number>;
    checks: Record<string, number>;
  };
  checks: Array<{
    id: string;
    title: string;
    category: string;
    severity: string;
    status: string;
    findingCount: number;
  }>;
  findings: Array<{
    ruleId: string;
    category: string;
    severity: string;
    title: string;
    message: string;
    location: { file?: string; line?: number; column?: number; url?: string };
    evidence: string;
    remediation: string;
    fingerprint: string;
  }>;
  skipped?: Array<{ path: string; reason: string }>;
  notes?: string[];
}

/** Run `scan <dir> --format json` and parse stdout; throws with stderr when it is not JSON. */
export function scanJson(dir: string, extra: readonly string[] = [], options: RunOptions = {}) {
  const result = runCli(["scan", dir, "--format", "json", ...extra], options);
  let report: JsonReport;
  try {
    report = JSON.parse(result.stdout) as JsonReport;
  } catch {
    throw new Error(
      `scan ${dir} did not print JSON (status ${result.status}, signal ${result.signal}): ${result.stderr || result.error?.message || result.stdout.slice(0, 500)}`,
    );
  }
  return { result, report };
}

/** Lines of stderr that say something. */
export const stderrLines = (r: CliResult): string[] => r.stderr.split("\n").filter((l) => l.trim() !== "");

/** A stack frame, as Node prints them. */
export const STACK_FRAME = /^\s+at\s/m;
