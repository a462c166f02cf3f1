import { UsageError } from "../engine/errors.js";
import type { Report } from "../engine/report.js";
import type { Rule } from "../engine/schema.js";
import { formatJson } from "./json.js";
import { formatText, type TextOptions } from "./text.js";

export const FORMATS = ["text", "json", "sarif", "markdown", "html"] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions extends TextOptions {
  /** The loaded rules (SARIF describes each one). */
  rules: readonly Rule[];
}

type Formatter = (report: Report, options: FormatOptions) => string | Promise<string>;

const FORMATTERS: Partial<Record<Format, Formatter>> = {
  text: formatText,
  json: (r) => formatJson(r),
  // Loaded on use: a scan that prints text never pays for the other formats.
  html: async (r) => (await import("./html.js")).formatHtml(r),
  sarif: async (r, o) => (await import("./sarif.js")).formatSarif(r, o.rules),
  markdown: async (r) => (await import("./markdown.js")).formatMarkdown(r),
};

/** Resolve a format by name, with an answer that says what exists. */
export function formatterFor(name: string): Formatter {
  if (!(FORMATS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown format "${name}" (choose one of: ${FORMATS.join(", ")})`);
  }
  const f = FORMATTERS[name as Format];
  if (!f)
    throw new UsageError(
      `format "${name}" is not available in this version yet (available: text, json, html, sarif, markdown)`,
    );
  return f;
}
