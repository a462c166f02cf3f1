import { parse as parseDotenv } from "dotenv";

export type FileRole = "real" | "example" | "test";

export interface EnvEntry {
  key: string;
  value: string;
  line: number;
  column: number;
}

export interface EnvDocument {
  path: string;
  role: FileRole;
  production: boolean;
  gitIgnored: boolean;
  entries: EnvEntry[];
  lines: readonly string[];
}

/** `.env`, `.env.local`, `.env.production`, `prod.env`... (not `.envrc`, which is shell). */
export function isEnvFileName(name: string): boolean {
  if (name === ".envrc") return false;
  return /^\.env(\.[\w.-]+)?$/.test(name) || /^[\w.-]+\.env$/.test(name);
}

const EXAMPLE_NAME =
  /(^|[._-])(example|examples|sample|samples|template|templates|tmpl|tpl|dist|defaults?|schema)([._-]|$)/i;
const TEST_NAME = /(^|[._-])(test|tests|testing|ci|spec)([._-]|$)/i;
const TEST_DIR = /(^|\/)(test|tests|__tests__|spec|specs|testdata|test-data|e2e|fixtures|__fixtures__)\//i;

/** What a file is for: the values of an example or test file are not anyone's live secrets. */
export function fileRole(relPath: string): FileRole {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (EXAMPLE_NAME.test(name)) return "example";
  if (TEST_NAME.test(name) || TEST_DIR.test(relPath)) return "test";
  return "real";
}

export function isProductionName(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  return /(^|[._-])(prod|production|live)([._-]|$)/i.test(name);
}

const KEY_LINE = /^\s*(?:export\s+)?([\w.-]+)\s*(?:=|:\s)/;

/**
 * Values come from dotenv itself (quotes, `export`, multi-line values, inline comments, CRLF);
 * we only find the line each key was written on, last assignment winning as in dotenv.
 */
export function parseEnvText(text: string): { entries: EnvEntry[]; lines: string[] } {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const values = parseDotenv(clean);
  const lines = clean.split(/\r\n|\r|\n/);
  const lineOf = new Map<string, { line: number; column: number }>();
  let inQuote: string | undefined;
  let offset = 0;
  lines.forEach((raw, i) => {
    const lineStart = offset;
    offset += raw.length + 1;
    if (inQuote) {
      // Inside a multi-line quoted value: a line that closes the quote ends it.
      if (raw.includes(inQuote)) inQuote = undefined;
      return;
    }
    const m = KEY_LINE.exec(raw);
    if (!m?.[1] || !(m[1] in values)) return;
    lineOf.set(m[1], { line: i + 1, column: raw.indexOf(m[1]) + 1 });
    const rest = raw.slice(m[0].length).trimStart();
    const q = rest[0];
    // A quote left open on this line continues only if dotenv could close it further down.
    if (
      (q === '"' || q === "'" || q === "`") &&
      rest.indexOf(q, 1) === -1 &&
      clean.indexOf(q, lineStart + raw.length) !== -1
    ) {
      inQuote = q;
    }
  });
  const entries: EnvEntry[] = [];
  for (const [key, value] of Object.entries(values)) {
    const pos = lineOf.get(key);
    if (pos) entries.push({ key, value, ...pos });
  }
  entries.sort((a, b) => a.line - b.line);
  return { entries, lines };
}
