import type { RunResult } from "./runner.js";
import { checkStatus } from "./runner.js";
import type { Check, Finding } from "./types.js";

// Three ways to accept a finding on purpose (gitleaks' gitleaks:allow, .gitleaksignore and
// --baseline-path): an inline comment, an accepted fingerprint in the config, a baseline file.
// None of them drops a finding silently: suppressed findings are kept and counted, and every
// suppression that is malformed, expired or unused becomes a note.

export interface Suppression {
  kind: "inline" | "config" | "baseline";
  justification?: string;
}

export interface AcceptedFinding {
  fingerprint: string;
  reason: string;
  /** YYYY-MM-DD: after this day the finding fails again. */
  expires?: string;
}

export interface SuppressionInput {
  /** Lines of every scanned file, by path relative to the root. */
  files: ReadonlyMap<string, readonly string[]>;
  accepted: readonly AcceptedFinding[];
  /** Where the accepted list came from, for notes. */
  acceptedSource?: string;
  baseline?: ReadonlySet<string>;
  ruleIds: ReadonlySet<string>;
  /** Today as YYYY-MM-DD (a parameter, so tests can pin it). */
  today: string;
}

export interface SuppressionResult extends RunResult {
  suppressed: Array<Finding & { suppression: Suppression }>;
  notes: string[];
}

interface Directive {
  file: string;
  line: number;
  /** The line it governs: its own when it trails code, the next one when it stands alone. */
  target: number;
  ids: string[];
  reason?: string;
  used: boolean;
}

// `# secaudit-ignore <id>[, <id>] -- <reason>` after #, //, /* or <!--.
const DIRECTIVE =
  /(?:#|\/\/|\/\*|<!--)\s*secaudit-ignore\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*(?:--\s*(.*?))?\s*(?:\*\/|-->)?\s*$/;

export function parseDirectives(file: string, lines: readonly string[]): Directive[] {
  const out: Directive[] = [];
  lines.forEach((text, i) => {
    if (!text.includes("secaudit-ignore")) return;
    const m = DIRECTIVE.exec(text);
    if (!m) return;
    const standalone = /^\s*(#|\/\/|\/\*|<!--)/.test(text);
    out.push({
      file,
      line: i + 1,
      target: standalone ? i + 2 : i + 1,
      ids: (m[1] ?? "").split(",").map((s) => s.trim()),
      reason: m[2]?.trim() || undefined,
      used: false,
    });
  });
  return out;
}

export function applySuppressions(result: RunResult, input: SuppressionInput): SuppressionResult {
  const notes: string[] = [];
  const directives = [...input.files].flatMap(([file, lines]) => parseDirectives(file, lines));
  for (const d of directives) {
    for (const id of d.ids) {
      if (!input.ruleIds.has(id))
        notes.push(`${d.file}:${d.line}: secaudit-ignore names an unknown rule "${id}"`);
    }
    if (!d.reason)
      notes.push(`${d.file}:${d.line}: secaudit-ignore without a reason ("-- why") is not applied`);
  }
  const accepted = new Map(input.accepted.map((a) => [a.fingerprint, { ...a, used: false }]));

  const findings: Finding[] = [];
  const suppressed: SuppressionResult["suppressed"] = [];
  for (const f of result.findings) {
    const inline = directives.find(
      (d) =>
        d.reason && d.file === f.location.file && d.target === f.location.line && d.ids.includes(f.ruleId),
    );
    if (inline) {
      inline.used = true;
      suppressed.push({ ...f, suppression: { kind: "inline", justification: inline.reason } });
      continue;
    }
    const acceptance = accepted.get(f.fingerprint);
    if (acceptance) {
      acceptance.used = true;
      if (acceptance.expires && acceptance.expires < input.today) {
        notes.push(
          `${input.acceptedSource ?? "config"}: the acceptance of ${f.ruleId} (${f.fingerprint}) expired on ${acceptance.expires}`,
        );
      } else {
        suppressed.push({ ...f, suppression: { kind: "config", justification: acceptance.reason } });
        continue;
      }
    }
    if (input.baseline?.has(f.fingerprint)) {
      suppressed.push({ ...f, suppression: { kind: "baseline", justification: "present in the baseline" } });
      continue;
    }
    findings.push(f);
  }
  for (const d of directives) {
    if (d.reason && !d.used)
      notes.push(
        `${d.file}:${d.line}: unused secaudit-ignore (${d.ids.join(", ")}): nothing to suppress there`,
      );
  }
  for (const a of accepted.values()) {
    if (!a.used)
      notes.push(
        `${input.acceptedSource ?? "config"}: accepted fingerprint ${a.fingerprint} matches no finding`,
      );
  }

  // The checklist reflects what is left: a check whose findings were all accepted passes.
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const checks: Check[] = result.checks.map((c) =>
    c.status === "skip"
      ? c
      : { ...c, status: checkStatus(byRule.get(c.id) ?? []), findingCount: byRule.get(c.id)?.length ?? 0 },
  );
  return { findings, checks, suppressed, notes };
}
