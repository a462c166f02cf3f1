import type { Condition, FieldCondition } from "./schema.js";
import type { FieldValue, Location, Subject } from "./types.js";

export interface PredicateContext {
  /** Every subject of a kind in this scan, in project order (for cross-entry checks such as reuse). */
  subjects(kind: string): readonly Subject[];
}

/** A predicate answers yes/no, or yes with the precise location of what it found. */
export type PredicateResult = boolean | Location;
export type Predicate = (
  value: FieldValue,
  subject: Subject,
  ctx: PredicateContext,
  args: Readonly<Record<string, unknown>>,
) => PredicateResult;

export interface PredicateEntry {
  /** One line for `secaudit rules --predicates` and the README. */
  description: string;
  fn: Predicate;
}

export type PredicateCatalogue = Readonly<Record<string, PredicateEntry>>;

/** Where the positive part of a match happened: field element locations or predicate locations. */
export type Hits = Location[];

const regexCache = new Map<string, RegExp>();
export function compileRegex(source: string, caseSensitive = false): RegExp {
  const key = `${caseSensitive ? "s" : "i"}:${source}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(source, caseSensitive ? "" : "i");
    regexCache.set(key, re);
  }
  return re;
}

/** Evaluate a condition tree; `hits` collects locations from the branches that made it true. */
export function evaluate(
  cond: Condition,
  subject: Subject,
  ctx: PredicateContext,
  predicates: PredicateCatalogue,
  hits: Hits,
): boolean {
  if ("all" in cond) {
    const local: Hits = [];
    for (const c of cond.all) if (!evaluate(c, subject, ctx, predicates, local)) return false;
    hits.push(...local);
    return true;
  }
  if ("any" in cond) {
    for (const c of cond.any) {
      const local: Hits = [];
      if (evaluate(c, subject, ctx, predicates, local)) {
        hits.push(...local);
        return true;
      }
    }
    return false;
  }
  if ("not" in cond) return !evaluate(cond.not, subject, ctx, predicates, []);
  return evaluateField(cond, subject, ctx, predicates, hits);
}

function evaluateField(
  cond: FieldCondition,
  subject: Subject,
  ctx: PredicateContext,
  predicates: PredicateCatalogue,
  hits: Hits,
): boolean {
  const value = cond.field === undefined ? undefined : subject.fields[cond.field];
  if (cond.exists !== undefined) {
    const present =
      value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0);
    if (present !== cond.exists) return false;
    if (
      cond.equals === undefined &&
      cond.in === undefined &&
      cond.regex === undefined &&
      cond.predicate === undefined
    ) {
      return true;
    }
  }
  // Arrays match when any element does; the element's location becomes a hit.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const local: Hits = [];
      if (testScalar(cond, value[i], subject, ctx, predicates, local)) {
        const at = subject.fieldLocations[`${cond.field}.${i}`];
        hits.push(...local, ...(at ? [at] : []));
        return true;
      }
    }
    return false;
  }
  const local: Hits = [];
  if (!testScalar(cond, value as Exclude<FieldValue, readonly string[]>, subject, ctx, predicates, local))
    return false;
  const at = cond.field === undefined ? undefined : subject.fieldLocations[cond.field];
  hits.push(...local, ...(at ? [at] : []));
  return true;
}

function testScalar(
  cond: FieldCondition,
  value: string | number | boolean | null | undefined,
  subject: Subject,
  ctx: PredicateContext,
  predicates: PredicateCatalogue,
  hits: Hits,
): boolean {
  const text = value === null || value === undefined ? "" : String(value);
  if (cond.equals !== undefined && !sameScalar(value, cond.equals)) return false;
  if (cond.in !== undefined && !cond.in.some((v) => sameScalar(value, v))) return false;
  if (cond.regex !== undefined && !compileRegex(cond.regex, cond.caseSensitive).test(text)) return false;
  if (cond.predicate !== undefined) {
    const entry = predicates[cond.predicate];
    if (!entry) throw new Error(`unknown predicate ${cond.predicate}`); // rejected at load time
    const result = entry.fn(value, subject, ctx, cond.args ?? {});
    if (result === false) return false;
    if (result !== true) hits.push(result);
  }
  return true;
}

function sameScalar(value: unknown, expected: string | number | boolean): boolean {
  if (typeof expected === "string" && typeof value === "string")
    return value.toLowerCase() === expected.toLowerCase();
  return value === expected || String(value) === String(expected);
}

/** Every predicate name a condition tree uses (validated against the catalogue at load). */
export function predicateNames(cond: Condition): string[] {
  if ("all" in cond) return cond.all.flatMap(predicateNames);
  if ("any" in cond) return cond.any.flatMap(predicateNames);
  if ("not" in cond) return predicateNames(cond.not);
  return cond.predicate ? [cond.predicate] : [];
}

export function regexSources(cond: Condition): string[] {
  if ("all" in cond) return cond.all.flatMap(regexSources);
  if ("any" in cond) return cond.any.flatMap(regexSources);
  if ("not" in cond) return regexSources(cond.not);
  return cond.regex ? [cond.regex] : [];
}
