import { describe, expect, it } from "vitest";
import { computeScore, gradeFor, SCORING } from "../src/engine/score.js";
import { type Check, type Finding, SEVERITIES, type Severity } from "../src/engine/types.js";

// The scoring table is data: these tests keep it whole (every severity has a modifier, grades
// cover 0..100) and pin the documented behaviour (one cost per check, the critical cap, info free).

const check = (id: string, status: Check["status"] = "fail"): Check => ({
  id,
  title: id,
  category: "cors",
  severity: "high",
  status,
  findingCount: 1,
});
const finding = (ruleId: string, severity: Severity): Finding => ({
  ruleId,
  category: "cors",
  severity,
  title: ruleId,
  message: "",
  location: { file: "x", line: 1, column: 1 },
  evidence: "",
  remediation: "",
  fingerprint: `${ruleId}${severity}`.padEnd(16, "0").slice(0, 16),
});

describe("SCORING", () => {
  it("has a modifier for every severity, and info costs nothing", () => {
    expect(Object.keys(SCORING.modifiers).sort()).toEqual([...SEVERITIES].sort());
    expect(SCORING.modifiers.info).toBe(0);
  });

  it.each([
    [100, "A+"],
    [99, "A"],
    [90, "A"],
    [89, "B"],
    [75, "B"],
    [74, "C"],
    [60, "C"],
    [59, "D"],
    [40, "D"],
    [39, "F"],
    [0, "F"],
  ])("%i is %s", (value, grade) => {
    expect(gradeFor(value)).toBe(grade);
  });

  it("charges a check once, by its worst finding", () => {
    const s = computeScore(
      [check("a")],
      [finding("a", "medium"), finding("a", "high"), finding("a", "high")],
    );
    expect(s.value).toBe(100 + SCORING.modifiers.high);
    expect(s.breakdown).toEqual([{ ruleId: "a", severity: "high", modifier: SCORING.modifiers.high }]);
  });

  it("caps the score at a D when anything is critical", () => {
    const s = computeScore([check("a"), check("b")], [finding("a", "critical")]);
    expect(s.value).toBe(Math.min(100 + SCORING.modifiers.critical, SCORING.criticalCap));
    expect(s.grade).toBe("D");
    expect(s.cappedBy).toBe("a");
  });

  it("never goes below 0, and a clean run is A+", () => {
    const many = Array.from({ length: 10 }, (_, i) => `r${i}`);
    expect(
      computeScore(
        many.map((id) => check(id)),
        many.map((id) => finding(id, "critical")),
      ).value,
    ).toBe(0);
    expect(computeScore([check("a", "pass")], [])).toMatchObject({ value: 100, grade: "A+" });
  });
});
