import { writeFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "./engine/errors.js";
import { loadRules } from "./engine/loader.js";
import type { Report } from "./engine/report.js";
import { type SEVERITIES, severityRank } from "./engine/types.js";
import { PREDICATES } from "./predicates/index.js";
import { FORMATS, formatterFor } from "./reporters/index.js";
import { runAudit } from "./scan.js";

// Commander wiring only: parse, call the scan, hand the report to a reporter, map the exit code.

interface CommonOptions {
  format: string;
  output: string[];
  baseline?: string;
  failOn: string;
  config?: string;
  rules: string[];
  header: string[];
  color: boolean;
  quiet: boolean;
  debug: boolean;
  url: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function useColor(options: CommonOptions, stream: NodeJS.WriteStream): boolean {
  // no-color.org: a set, non-empty NO_COLOR turns colour off.
  if (!options.color || (process.env.NO_COLOR ?? "") !== "") return false;
  return stream.isTTY === true;
}

/** 1 when a finding is at or above --fail-on, else 0. */
export function exitCodeFor(report: Report, failOn: string): number {
  if (failOn === "none") return 0;
  const threshold = severityRank(failOn as (typeof SEVERITIES)[number]);
  return report.findings.some((f) => severityRank(f.severity) <= threshold) ? 1 : 0;
}

async function withSpinner<T>(
  options: CommonOptions,
  text: string,
  work: (step: (text: string) => void) => Promise<T>,
): Promise<T> {
  // A terminal that reports no width (some CI ptys, `script` without a size) sends ora into an
  // endless clear-line loop: no spinner there.
  if (options.quiet || !process.stderr.isTTY || !(process.stderr.columns > 0)) return work(() => undefined);
  const { default: ora } = await import("ora");
  const spinner = ora({ text, stream: process.stderr }).start();
  // Let the spinner paint once before the synchronous scan.
  await new Promise((r) => setTimeout(r, 0));
  try {
    return await work((t) => {
      spinner.text = t;
    });
  } finally {
    spinner.stop();
  }
}

/** `--output FILE` (in --format) or `--output FORMAT=FILE`, repeatable: one run, several reports. */
export function outputTargets(
  outputs: readonly string[],
  format: string,
): Array<{ format: string; file?: string }> {
  const targets: Array<{ format: string; file?: string }> = [];
  let plain = false;
  for (const o of outputs) {
    const m = /^(text|json|sarif|markdown|html)=(.+)$/.exec(o);
    if (m?.[1] && m[2]) targets.push({ format: m[1], file: m[2] });
    else {
      targets.push({ format, file: o });
      plain = true;
    }
  }
  // Without a plain --output FILE, the --format report still goes to stdout (the CI log).
  if (!plain) targets.unshift({ format });
  return targets;
}

async function emit(report: Report, options: CommonOptions): Promise<void> {
  for (const target of outputTargets(options.output, options.format)) {
    const formatter = formatterFor(target.format);
    const needsRules = target.format === "sarif";
    const rules = needsRules ? await loadRules(options.rules, PREDICATES) : [];
    const color = target.file === undefined && useColor(options, process.stdout);
    const text = await formatter(report, { color, quiet: options.quiet, rules });
    if (target.file === undefined) {
      process.stdout.write(text);
      continue;
    }
    try {
      writeFileSync(target.file, text);
    } catch (err) {
      throw new UsageError(
        `${target.file}: cannot write report (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    if (!options.quiet) {
      process.stderr.write(
        `secaudit: ${target.format} report written to ${target.file} (score ${report.score.value}, grade ${report.score.grade})\n`,
      );
    }
  }
}

export function buildProgram(version: string): Command {
  const program = new Command("secaudit")
    .description("Security-posture audit for small self-hosted services")
    .version(version, "-V, --version")
    .showSuggestionAfterError(false)
    .exitOverride();

  const withCommon = (cmd: Command): Command =>
    cmd
      .addOption(new Option("--format <format>", "report format").choices([...FORMATS]).default("text"))
      .option(
        "--output <file>",
        "write the report to FILE instead of stdout; FORMAT=FILE (repeatable) writes more formats in the same run",
        collect,
        [],
      )
      .option(
        "--baseline <file>",
        "a previous JSON report or `secaudit baseline` file: report and fail only on new findings",
      )
      .addOption(
        new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
          .choices(["critical", "high", "medium", "low", "none"])
          .default("critical"),
      )
      .option("--config <file>", "config file (default: .secaudit.yaml in the scanned dir)")
      .option("--rules <dir>", "extra rule directory, in the built-in format (repeatable)", collect, [])
      .option(
        "--header <header>",
        "header for authenticated probe requests, 'Name: value' (repeatable)",
        collect,
        [],
      )
      .option("--no-color", "no colours (NO_COLOR is honoured too)")
      .option("--quiet", "only failures; no spinner", false)
      .option("--debug", "show stack traces for internal errors", false)
      .exitOverride();

  const audit = async (dir: string | undefined, urls: string[], options: CommonOptions): Promise<void> => {
    const label = [dir, ...urls].filter(Boolean).join(", ");
    const report = await withSpinner(options, `auditing ${label}`, (onStep) =>
      runAudit({
        dir,
        urls,
        rulesDirs: options.rules,
        configPath: options.config,
        headers: options.header,
        baselinePath: options.baseline,
        version,
        onStep,
      }),
    );
    await emit(report, options);
    process.exitCode = exitCodeFor(report, options.failOn);
  };

  withCommon(
    program
      .command("scan [dir]")
      .description("static audit of a project tree (default .), plus --url probes"),
  )
    .option("--url <url>", "also probe a running server (repeatable)", collect, [])
    .action((dir: string | undefined, options: CommonOptions) => audit(dir ?? ".", options.url, options));

  withCommon(program.command("probe <url...>").description("live probe of running server(s)")).action(
    (urls: string[], options: CommonOptions) => audit(undefined, urls, { ...options, url: [] }),
  );

  withCommon(
    program
      .command("baseline [dir]")
      .description("write today's fingerprints for --baseline (default file: secaudit-baseline.json)"),
  )
    .option("--url <url>", "also probe a running server (repeatable)", collect, [])
    .action(async (dir: string | undefined, options: CommonOptions) => {
      const report = await withSpinner(options, "auditing", (onStep) =>
        runAudit({
          dir: dir ?? ".",
          urls: options.url,
          rulesDirs: options.rules,
          configPath: options.config,
          headers: options.header,
          version,
          onStep,
        }),
      );
      const file = options.output[0] ?? "secaudit-baseline.json";
      const all = [...report.findings, ...report.suppressed];
      const baseline = {
        schemaVersion: 1,
        tool: report.tool,
        target: report.target,
        fingerprints: all.map((f) => ({
          fingerprint: f.fingerprint,
          ruleId: f.ruleId,
          location: f.location,
        })),
      };
      try {
        writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
      } catch (err) {
        throw new UsageError(
          `${file}: cannot write baseline (${(err as NodeJS.ErrnoException).code ?? "error"})`,
        );
      }
      process.stderr.write(`secaudit: ${all.length} fingerprints written to ${file}\n`);
    });

  program
    .command("rules")
    .description("list every loaded rule: id, category, severity, title, source file")
    .option("--rules <dir>", "extra rule directory (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "text or json").choices(["text", "json"]).default("text"))
    .action(async (options: { rules: string[]; format: string }) => {
      const rules = await loadRules(options.rules, PREDICATES);
      if (options.format === "json") {
        const rows = rules.map(({ id, category, severity, title, source, appliesTo }) => ({
          id,
          category,
          severity,
          title,
          appliesTo,
          source,
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const w = Math.max(...rules.map((r) => r.id.length));
      for (const r of rules) {
        process.stdout.write(
          `${r.id.padEnd(w)}  ${r.category.padEnd(15)} ${r.severity.padEnd(8)} ${r.title}  (${r.source})\n`,
        );
      }
      process.stdout.write(`${rules.length} rules\n`);
    });

  program
    .command("explain <ruleId>")
    .description("print a rule's rationale, remediation and references")
    .option("--rules <dir>", "extra rule directory (repeatable)", collect, [])
    .action(async (ruleId: string, options: { rules: string[] }) => {
      const rules = await loadRules(options.rules, PREDICATES);
      const rule = rules.find((r) => r.id === ruleId);
      if (!rule) {
        const near = rules.filter(
          (r) => r.id.includes(ruleId) || ruleId.includes(r.id.split("-")[1] ?? "\0"),
        );
        const hint = near.length
          ? ` Did you mean: ${near
              .slice(0, 3)
              .map((r) => r.id)
              .join(", ")}?`
          : "";
        throw new UsageError(`explain: no rule "${ruleId}".${hint} (secaudit rules lists them)`);
      }
      const lines = [
        `${rule.id}: ${rule.title}`,
        `category: ${rule.category}   severity: ${rule.severity}   applies to: ${rule.appliesTo}${rule.cwe ? `   ${rule.cwe}` : ""}`,
        `source: ${rule.source}`,
        "",
        "Why it matters",
        indent(rule.rationale),
        "",
        "How to fix it",
        indent(rule.remediation),
        "",
        "References",
        ...rule.references.map((r) => `  ${r}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });

  return program;
}

function indent(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

export async function main(argv: string[], version: string): Promise<void> {
  const program = buildProgram(version);
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else is a usage error (commander printed it).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`secaudit: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const hint = debug ? "" : " (run again with --debug for a stack trace, and please report it)";
    process.stderr.write(`secaudit: internal error: ${(err as Error).message}${hint}\n`);
    if (debug) process.stderr.write(`${(err as Error).stack ?? ""}\n`);
    process.exitCode = 2;
  }
}
