import { z } from "zod";
import { CATEGORIES, SEVERITIES } from "./types.js";

// The rule format. A rule is data: a header (what, why, how to fix), the kind of subject it
// applies to, and a declarative `match`. Logic YAML cannot express lives in named predicates.

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | FieldCondition;

export interface FieldCondition {
  field?: string;
  equals?: string | number | boolean;
  in?: Array<string | number | boolean>;
  regex?: string;
  caseSensitive?: boolean;
  exists?: boolean;
  predicate?: string;
  args?: Record<string, unknown>;
}

const fieldCondition = z
  .strictObject({
    field: z.string().min(1).optional(),
    equals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    regex: z.string().min(1).optional(),
    caseSensitive: z.boolean().optional(),
    exists: z.boolean().optional(),
    predicate: z.string().min(1).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
  })
  .refine(
    (c) =>
      c.equals !== undefined ||
      c.in !== undefined ||
      c.regex !== undefined ||
      c.exists !== undefined ||
      c.predicate !== undefined,
    { message: "a condition needs one of equals, in, regex, exists or predicate" },
  )
  .refine((c) => c.field !== undefined || c.predicate !== undefined, {
    message: "equals/in/regex/exists need a field",
  })
  .refine((c) => c.caseSensitive === undefined || c.regex !== undefined, {
    message: "caseSensitive only applies to regex",
  });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    fieldCondition,
  ]),
);

/** A virtual project for a rule's test table: file path -> content. */
const testCase = z.strictObject({
  name: z.string().optional(),
  files: z.record(z.string(), z.string()).refine((f) => Object.keys(f).length > 0, "a test case needs files"),
  /** Paths git tracks in this case; omitted = not a git repository. */
  tracked: z.array(z.string()).optional(),
  /** For invalid cases: the findings this rule must produce, in order. */
  findings: z
    .array(
      z.strictObject({
        file: z.string(),
        line: z.number().int().positive(),
        severity: z.enum(SEVERITIES).optional(),
      }),
    )
    .optional(),
});

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "ids are lowercase words joined by '-'"),
  title: z.string().min(5),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  /** The kind of subject the rule matches: env-entry, env-file, compose-service, compose-port... */
  appliesTo: z.string().min(1),
  confidence: z.enum(["high", "medium", "low"]).default("high"),
  cwe: z
    .string()
    .regex(/^CWE-\d+$/)
    .optional(),
  owasp: z.string().optional(),
  rationale: z.string().min(10),
  remediation: z.string().min(10),
  references: z.array(z.url()).min(1),
  /** Message with {{field}} placeholders; secret values are masked after substitution. */
  message: z.string().min(5),
  match: conditionSchema,
  /** Static rules whose findings explain this one's (a live CORS * and CORS_ORIGINS=* in .env). */
  relatedRules: z.array(z.string()).optional(),
  /** Only subjects that satisfy this are candidates; none at all means the check is skipped. */
  appliesWhen: conditionSchema.optional(),
  /** Why the check is skipped when no subject satisfies appliesWhen. */
  skipReason: z.string().optional(),
  /** Which field's location the finding points at (default: the first matched field, else the subject). */
  at: z.string().optional(),
  /** First matching entry re-rates the finding (an example file is info, production is critical...). */
  severityWhen: z.array(z.strictObject({ when: conditionSchema, severity: z.enum(SEVERITIES) })).optional(),
  tests: z
    .strictObject({
      valid: z.array(testCase),
      invalid: z.array(testCase),
    })
    .optional(),
});

export type RuleDefinition = z.infer<typeof ruleSchema>;
export type RuleTestCase = z.infer<typeof testCase>;

/** A loaded rule: its definition plus where it came from. */
export interface Rule extends RuleDefinition {
  source: string;
}
