import { mentionsProviderSecret, PROVIDER_SECRET_IN_TEXT } from "../../predicates/secrets.js";
import { lineIndex } from "../line-index.js";
import { FRAMEWORK_CONFIG } from "./facts.js";

/**
 * The keyword prefilter (gitleaks' and Semgrep's trick): a source file is parsed only if it
 * mentions something a code rule can match. Most of a large repository is never parsed.
 */
const SECRET_NAME = "(?:api_?key|secret|token|password)";
const CODE_HINT_SOURCES = [
  "CORSMiddleware|allow_origins|CORS_ALLOW|CORS_ORIGIN_ALLOW|ALLOWED_HOSTS|^DEBUG\\s*=|^bind\\s*=",
  "host\\s*=\\s*[\"'(]|run\\([^)]*debug|\\.listen\\(|\\bcors\\(",
  // express-session / cookie-session take an options object; `getSession(` is not one of them
  "\\b(session|cookieSession|expressSession)\\(\\s*\\{",
  "verify\\s*=\\s*False|rejectUnauthorized",
  // cookies without Secure, static files from the project root, stack traces in responses
  "secure\\s*[=:]\\s*(False|false)|\\.static\\(|\\.stack\\b",
  // env lookups with a default, for names a rule cares about (secrets, hosts)
  "(getenv|environ\\.get)\\(\\s*[\"'][\\w]*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)[\\w]*[\"']\\s*,",
  "process\\.env\\.\\w*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)\\w*\\s*(\\|\\||\\?\\?)",
  // a secret-named value next to an equality operator (code-secret-compare), on either side. Led by
  // the name, with a lookbehind for the operator before it: a branch led by [!=] would be tried at
  // every `=` of every file (a third of the prefilter's time).
  `${SECRET_NAME}(?:[\\w.'"\\])]*\\s*[!=]==?|(?<=[!=]==?\\s*[\\w.\\[]*${SECRET_NAME}))`,
].join("|");
const CODE_HINTS = new RegExp(CODE_HINT_SOURCES, "im");

/** Route declarations: read only when a live probe will use them (`scan . --url`). */
const ROUTE_HINTS =
  /@\w+\.(get|post|put|patch|delete|route|api_route)\(|\.(get|post|put|patch|delete|all|route)\(\s*["'`]\//;
const ROUTE_HINT_SOURCE = ROUTE_HINTS.source;

/**
 * Why a file is worth parsing: "code" (a code rule's keyword or a framework config), "keys" (only a
 * string in a provider key's format: its statement alone is parsed), or undefined (never parsed).
 */
export function prefilter(text: string, withRoutes = false, path = ""): "code" | "keys" | undefined {
  // A framework config is small and every setting in it may matter: always read.
  if (FRAMEWORK_CONFIG.test(path)) return "code";
  if (CODE_HINTS.test(text) || (withRoutes && ROUTE_HINTS.test(text))) return "code";
  return mentionsProviderSecret(text) ? "keys" : undefined;
}

/** Files larger than this are parsed only around their hints (see hintWindows). */
export const WINDOWED_BYTES = 64 * 1024;

/**
 * The parts of a large file worth parsing: for each line with a hint, the top-level statement
 * around it (from the nearest line above that starts at column 0, with the decorators above it, to
 * the line before the next one that does). A 300 KB generated module with one `os.getenv` costs a
 * few lines of parsing. Returns undefined when the windows would cover most of the file anyway.
 */
export function hintWindows(
  text: string,
  withRoutes: boolean,
  /** Window even when the windows cover most of the file (a file read only for its key literals). */
  always = false,
): Array<{ startLine: number; text: string }> | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  // The lines with a hit, from one pass of a global regex over the text (not one match per line).
  const sources = always
    ? [PROVIDER_SECRET_IN_TEXT.source]
    : [CODE_HINT_SOURCES, PROVIDER_SECRET_IN_TEXT.source, ...(withRoutes ? [ROUTE_HINT_SOURCE] : [])];
  const hitLines = new Set<number>();
  const position = lineIndex(text);
  const lineOf = (offset: number): number => position(offset).line - 1;
  for (const m of text.matchAll(new RegExp(sources.join("|"), "gim"))) {
    hitLines.add(lineOf(m.index));
    if (m[0].length === 0) break;
  }
  const inside = linesInsideMultilineTokens(text, lines.length);
  const topLevel = (i: number) => {
    const l = lines[i] ?? "";
    return l.length > 0 && !inside[i] && !/^[\s)}\]]/.test(l) && !/^(else|elif|except|finally)\b/.test(l);
  };
  const windows: Array<[number, number]> = [];
  for (const i of [...hitLines].sort((a, b) => a - b)) {
    const last = windows[windows.length - 1];
    if (last && i < last[1]) continue;
    let start = i;
    while (start > 0 && !topLevel(start)) start--;
    while (start > 0 && /^@/.test(lines[start - 1] ?? "")) start--;
    let end = i + 1;
    while (end < lines.length && !topLevel(end)) end++;
    // A hit on a decorator: take the decorated definition too (its parameters hold the auth dependency).
    while (
      end < lines.length &&
      /^@/.test(lines[end - 1] ?? "") &&
      /^(@|async\s+def\b|def\b|class\b)/.test(lines[end] ?? "")
    ) {
      end++;
      while (end < lines.length && !topLevel(end)) end++;
    }
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  const covered = windows.reduce((n, [a, b]) => n + (b - a), 0);
  if (covered > lines.length / 2 && !always) return undefined;
  return windows.map(([a, b]) => ({ startLine: a + 1, text: lines.slice(a, b).join("\n") }));
}

/**
 * Which lines begin inside a token that spans lines: a triple-quoted Python string (docstrings), a JS
 * template literal or block comment. A window never starts or ends there, so a docstring line at
 * column 0 that quotes `api_key = "sk_live_..."` is never parsed as if it were code.
 */
function linesInsideMultilineTokens(text: string, lineCount: number): boolean[] {
  const inside = new Array<boolean>(lineCount).fill(false);
  let line = 0;
  let open: string | undefined; // '"""', "'''", "`", "/*"
  let quote: string | undefined; // a one-line ' or " string
  // A line ends at \n, or at a \r not followed by \n (as `lines` splits them).
  const endsLine = (at: number) => text[at] === "\n" || (text[at] === "\r" && text[at + 1] !== "\n");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      if (endsLine(i)) {
        line++;
        inside[line] = open !== undefined;
      }
      continue;
    }
    if (endsLine(i)) {
      line++;
      quote = undefined;
      inside[line] = open !== undefined;
      continue;
    }
    if (open) {
      if (open === "/*" ? text.startsWith("*/", i) : text.startsWith(open, i)) {
        i += open.length - 1;
        open = undefined;
      }
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      // A line comment: skip to the end of the line.
      const next = text.indexOf("\n", i);
      i = (next < 0 ? text.length : next) - 1;
    } else if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      open = text.slice(i, i + 3);
      i += 2;
    } else if (c === "`") open = "`";
    else if (c === "/" && text[i + 1] === "*") {
      open = "/*";
      i++;
    } else if (c === '"' || c === "'") quote = c;
  }
  return inside;
}
