import {
  mentionsProviderSecret,
  PROVIDER_KEYWORDS,
  PROVIDER_SECRET_IN_TEXT,
} from "../../predicates/secrets.js";
import { lineIndex, lineStarts } from "../line-index.js";
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

const PROVIDER_KEYWORDS_EVERYWHERE = new RegExp(PROVIDER_KEYWORDS.source, "g");

/** Every code hint in a text (one global pass), with the route hints when routes are wanted. */
const CODE_HINTS_EVERYWHERE = new RegExp(CODE_HINT_SOURCES, "gim");
let codeAndRouteHints: RegExp | undefined;
function codeHintsEverywhere(withRoutes: boolean): RegExp {
  if (!withRoutes) return CODE_HINTS_EVERYWHERE;
  codeAndRouteHints ??= new RegExp(`${CODE_HINT_SOURCES}|${ROUTE_HINT_SOURCE}`, "gim");
  return codeAndRouteHints;
}

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
  // The lines with a hit, from passes of global regexes over the text (not one match per line).
  const hitLines = new Set<number>();
  const starts = lineStarts(text);
  const position = lineIndex(text, starts);
  const lineOf = (offset: number): number => position(offset).line - 1;
  if (!always) {
    for (const m of text.matchAll(codeHintsEverywhere(withRoutes))) {
      hitLines.add(lineOf(m.index));
      if (m[0].length === 0) break;
    }
  }
  // Key formats by their keywords first, then the line with a keyword is checked for a whole key,
  // once: the search goes on from the next line (`task-`, `disk-`... hold the `sk-` keyword, and a
  // long line full of them must not be tested once per keyword).
  const keywords = new RegExp(PROVIDER_KEYWORDS_EVERYWHERE);
  for (let m = keywords.exec(text); m; m = keywords.exec(text)) {
    const line = lineOf(m.index);
    if (!hitLines.has(line) && PROVIDER_SECRET_IN_TEXT.test(lines[line] ?? "")) hitLines.add(line);
    keywords.lastIndex = Math.max(keywords.lastIndex, starts[line + 1] ?? text.length);
  }
  const inside = multilineTokenLines(text);
  const topLevel = (i: number) => {
    const l = lines[i] ?? "";
    return l.length > 0 && !inside(i) && !/^[\s)}\]]/.test(l) && !/^(else|elif|except|finally)\b/.test(l);
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
 * column 0 that quotes `api_key = "sk_live_..."` is never parsed as if it were code. The text is
 * scanned on demand, only as far as the last line asked about, jumping from one char that can change
 * its state to the next.
 */
function multilineTokenLines(text: string): (line: number) => boolean {
  const inside: boolean[] = [false];
  let line = 0;
  let at = 0;
  let open = NONE; // TRIPLE_DOUBLE, TRIPLE_SINGLE, BACKTICK or BLOCK_COMMENT while inside one
  let quote = 0; // the char code of a one-line ' or " string's quote
  const code = (i: number) => text.charCodeAt(i);
  // A line ends at \n, or at a \r not followed by \n (as `lines` splits them).
  const endsLine = (i: number) => code(i) === LF || (code(i) === CR && code(i + 1) !== LF);
  const newLine = () => {
    line++;
    inside[line] = open !== NONE;
  };
  return (target) => {
    for (; at < text.length && line < target; at++) {
      // On to the next char that can matter in this state: a native search skips the rest.
      const stops = stopsFor(open, quote);
      stops.lastIndex = at;
      if (!stops.test(text)) {
        at = text.length;
        break;
      }
      at = stops.lastIndex - 1;
      const c = code(at);
      if (c === BACKSLASH) {
        at++;
        if (endsLine(at)) newLine();
        continue;
      }
      if (endsLine(at)) {
        quote = 0;
        newLine();
        continue;
      }
      if (open !== NONE) {
        if (closes(text, at, open)) {
          at += open === TRIPLE_DOUBLE || open === TRIPLE_SINGLE ? 2 : open === BLOCK_COMMENT ? 1 : 0;
          open = NONE;
        }
        continue;
      }
      if (quote !== 0) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === HASH || (c === SLASH && code(at + 1) === SLASH)) {
        // A line comment: on to its line end (left for the loop to count).
        LINE_END.lastIndex = at;
        at = (LINE_END.test(text) ? LINE_END.lastIndex - 1 : text.length) - 1;
      } else if ((c === DOUBLE || c === SINGLE) && code(at + 1) === c && code(at + 2) === c) {
        open = c === DOUBLE ? TRIPLE_DOUBLE : TRIPLE_SINGLE;
        at += 2;
      } else if (c === BACKTICK_CODE) open = BACKTICK;
      else if (c === SLASH && code(at + 1) === STAR) {
        open = BLOCK_COMMENT;
        at++;
      } else if (c === DOUBLE || c === SINGLE) quote = c;
    }
    return inside[target] ?? false;
  };
}

const [LF, CR, BACKSLASH, HASH, SLASH, STAR, DOUBLE, SINGLE, BACKTICK_CODE] = [..."\n\r\\#/*\"'`"].map((c) =>
  c.charCodeAt(0),
);
const NONE = 0;
const TRIPLE_DOUBLE = 1;
const TRIPLE_SINGLE = 2;
const BACKTICK = 3;
const BLOCK_COMMENT = 4;

const LINE_END = /[\n\r]/g;
const STOPS = {
  code: /[\\\n\r"'`#/]/g,
  double: /[\\\n\r"]/g,
  single: /[\\\n\r']/g,
  backtick: /[\\\n\r`]/g,
  comment: /[\\\n\r*]/g,
};

/** The chars that can change the scanner's state, given the token it is in. */
function stopsFor(open: number, quote: number): RegExp {
  if (open === TRIPLE_DOUBLE || quote === DOUBLE) return STOPS.double;
  if (open === TRIPLE_SINGLE || quote === SINGLE) return STOPS.single;
  if (open === BACKTICK) return STOPS.backtick;
  if (open === BLOCK_COMMENT) return STOPS.comment;
  return STOPS.code;
}

/** Whether the open multi-line token ends at `at`. */
function closes(text: string, at: number, open: number): boolean {
  const c = text.charCodeAt(at);
  if (open === BACKTICK) return c === BACKTICK_CODE;
  if (open === BLOCK_COMMENT) return c === STAR && text.charCodeAt(at + 1) === SLASH;
  const q = open === TRIPLE_DOUBLE ? DOUBLE : SINGLE;
  return c === q && text.charCodeAt(at + 1) === q && text.charCodeAt(at + 2) === q;
}
