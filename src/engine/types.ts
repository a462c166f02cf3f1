// The vocabulary shared by sources, engine and reporters. Data flows one way:
// sources produce Subjects, the engine turns Subjects + Rules into Findings and Checks,
// reporters turn a Report into text.

export const CATEGORIES = [
  "network-binding",
  "cors",
  "public-secret",
  "auth",
  "weak-secret",
  "rate-limit",
  "transport",
  "headers",
  "exposure",
  "secret-in-repo",
  "container",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Ordered from worst to mildest; the index is the rank used for --fail-on and sorting. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface Location {
  file?: string;
  line?: number;
  column?: number;
  url?: string;
}

export type FieldValue = string | number | boolean | null | undefined | readonly string[];

/**
 * One thing a rule can look at: an env entry, a compose port mapping, a compose service, an env file.
 * Sources flatten their documents into subjects with named fields, so the match language works the
 * same on every kind (the idea of Nuclei's "parts").
 */
export interface Subject {
  readonly kind: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Where a finding on this subject points unless a matched field has a more precise location. */
  readonly location: Location;
  /** Locations of individual fields or array elements (`volumes.1`). */
  readonly fieldLocations: Readonly<Record<string, Location>>;
  /** The raw offending text (unmasked: the engine masks it before it leaves). */
  readonly evidence: string;
  /** The subject's file as lines, so a finding at a field's location can quote that line. */
  readonly sourceLines?: readonly string[];
  /** Values that must never leave the engine whole. */
  readonly secrets: readonly string[];
  /** Identity that survives unrelated edits (no line numbers): key name, service + port... */
  readonly identity: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  title: string;
  message: string;
  location: Location;
  evidence: string;
  remediation: string;
  fingerprint: string;
  /** Findings of related rules in the same run: the static cause of a live finding. */
  related?: Array<{ ruleId: string; location: Location }>;
  /** Set on findings accepted on purpose (they are listed under `suppressed`, not `findings`). */
  suppression?: { kind: "inline" | "config" | "baseline"; justification?: string };
}

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface Check {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  status: CheckStatus;
  findingCount: number;
  /** Why a check was skipped (no document of its kind, disabled by config). */
  reason?: string;
}
