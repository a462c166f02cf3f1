import type { Report } from "../engine/report.js";

/** The contract's JSON report: the Report as is, two-space indented, newline-terminated. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
