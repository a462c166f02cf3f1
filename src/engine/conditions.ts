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

/** Each condition's regex, compiled once (the hot path looks it up by the condition object). */
const conditionRegex = new WeakMap<FieldCondition, RegExp>();
function regexOf(cond: FieldCondition & { regex: string }): RegExp {
  let re = conditionRegex.get(cond);
  if (!re) {
    re = compileRegex(cond.regex, cond.caseSensitive);
    conditionRegex.set(cond, re);
  }
  return re;
}

/**
 * Evaluate a condition tree; `hits` collects locations from the branches that made it true. A branch
 * that fails takes its hits back out (hits is cut back to its length before the branch), so the
 * hot path allocates no list per branch.
 */
export function evaluate(
  cond: Condition,
  subject: Subject,
  ctx: PredicateContext,
  predicates: PredicateCatalogue,
  hits: Hits,
): boolean {
  const mark = hits.length;
  if ("all" in cond) {
    for (const c of cond.all) {
      if (!evaluate(c, subject, ctx, predicates, hits)) {
        cutBack(hits, mark);
        return false;
      }
    }
    return true;
  }
  if ("any" in cond) {
    for (const c of cond.any) {
      if (evaluate(c, subject, ctx, predicates, hits)) return true;
      cutBack(hits, mark);
    }
    return false;
  }
  if ("not" in cond) {
    const negated = !evaluate(cond.not, subject, ctx, predicates, hits);
    cutBack(hits, mark); // what a negated branch found is not where the match is
    return negated;
  }
  if (evaluateField(cond, subject, ctx, predicates, hits)) return true;
  cutBack(hits, mark);
  return false;
}

/** Drop the hits a failed branch added (the length setter is slow in V8 even when nothing changes). */
function cutBack(hits: Hits, mark: number): void {
  if (hits.length !== mark) hits.length = mark;
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
    const mark = hits.length;
    for (let i = 0; i < value.length; i++) {
      if (testScalar(cond, value[i], subject, ctx, predicates, hits)) {
        const at = subject.fieldLocations[`${cond.field}.${i}`];
        if (at) hits.push(at);
        return true;
      }
      cutBack(hits, mark);
    }
    return false;
  }
  if (!testScalar(cond, value as Exclude<FieldValue, readonly string[]>, subject, ctx, predicates, hits))
    return false;
  const at = cond.field === undefined ? undefined : subject.fieldLocations[cond.field];
  if (at) hits.push(at);
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
  if (cond.equals !== undefined && !sameScalar(value, cond.equals)) return false;
  if (cond.in !== undefined && !cond.in.some((v) => sameScalar(value, v))) return false;
  if (cond.regex !== undefined) {
    const text = value === null || value === undefined ? "" : String(value);
    if (!regexOf(cond as FieldCondition & { regex: string }).test(text)) return false;
  }
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
