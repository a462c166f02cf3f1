import { parse, TomlError } from "smol-toml";
import type { ProjectFile } from "./files.js";
import { lineIndex } from "./line-index.js";

// TOML with line numbers. smol-toml parses (values, types, escapes, every rule of the spec) but
// keeps no positions, so a second, much smaller pass over the text finds the line each key was
// written on. That pass runs only on a document smol-toml accepted, so it never has to judge
// validity: it only tracks table headers, dotted and quoted keys, and skips over values (multi-line
// strings and arrays included) so that text inside a value is never mistaken for a key.

export interface TomlPosition {
  line: number;
  column: number;
}

export interface TomlLeaf extends TomlPosition {
  /** Key path from the root: `["connections", "db", "password"]`; array-of-tables items by index. */
  path: string[];
  /** The value as text: strings as they are, booleans and numbers as written by String(). */
  value: string;
  type: "string" | "boolean" | "number" | "datetime" | "array";
}

export interface TomlDocument {
  leaves: TomlLeaf[];
  lines: string[];
}

/** Parse a TOML file into its leaf values, each with the line of its key; a string says why it is invalid. */
export function parseTomlWithLines(text: string): TomlDocument | string {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: Record<string, unknown>;
  try {
    data = parse(clean) as Record<string, unknown>;
  } catch (err) {
    // smol-toml's message quotes the lines around the error: never pass it on (they may hold secrets).
    if (err instanceof TomlError) {
      const what = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      return `invalid TOML at line ${err.line}: ${what}`;
    }
    return `invalid TOML: ${err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)}`;
  }
  const positions = keyPositions(clean);
  const at = (path: readonly string[]): TomlPosition => {
    // The deepest key that was written: a key inside an inline table points at the table's key.
    for (let n = path.length; n > 0; n--) {
      const p = positions.get(path.slice(0, n).join("\0"));
      if (p) return p;
    }
    return { line: 1, column: 1 };
  };
  const leaves: TomlLeaf[] = [];
  collectLeaves(data, [], leaves, at, 0);
  leaves.sort((a, b) => a.line - b.line || a.column - b.column);
  return { leaves, lines: clean.split(/\r\n|\r|\n/) };
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function collectLeaves(
  node: Record<string, unknown>,
  path: string[],
  out: TomlLeaf[],
  at: (path: readonly string[]) => TomlPosition,
  depth: number,
): void {
  if (depth > 64) return;
  for (const [key, value] of Object.entries(node)) {
    const here = [...path, key];
    if (isTable(value)) {
      collectLeaves(value, here, out, at, depth + 1);
    } else if (Array.isArray(value) && value.length > 0 && value.every(isTable)) {
      // An array of tables ([[x]] or [{...}, {...}]): each item is a table of its own.
      value.forEach((item, i) => {
        collectLeaves(item as Record<string, unknown>, [...here, String(i)], out, at, depth + 1);
      });
    } else {
      out.push({ path: here, ...leafValue(value), ...at(here) });
    }
  }
}

function leafValue(value: unknown): Pick<TomlLeaf, "value" | "type"> {
  if (typeof value === "string") return { value, type: "string" };
  if (typeof value === "boolean") return { value: String(value), type: "boolean" };
  if (typeof value === "number" || typeof value === "bigint") return { value: String(value), type: "number" };
  if (value instanceof Date) return { value: value.toISOString(), type: "datetime" };
  if (Array.isArray(value))
    return {
      value: value.map((v) => (isTable(v) ? JSON.stringify(v) : String(v))).join(", "),
      type: "array",
    };
  return { value: String(value), type: "string" };
}

/** The segments of a key as TOML reads it (`a."b.c".d` is three), by asking the parser itself. */
function keySegments(keyText: string): string[] | undefined {
  let node: unknown;
  try {
    node = parse(`${keyText} = 0`);
  } catch {
    return undefined;
  }
  const segments: string[] = [];
  while (isTable(node)) {
    const keys = Object.keys(node);
    if (keys.length !== 1 || keys[0] === undefined) return undefined;
    segments.push(keys[0]);
    node = node[keys[0]];
  }
  return segments;
}

/**
 * Where each key path was written: `[table]` and `[[array]]` headers, `key =` lines (dotted keys
 * define their intermediate tables too). Array-of-tables items are numbered as the parser numbers
 * them, so `[[a]]` twice gives `a\01` for the second.
 */
function keyPositions(text: string): Map<string, TomlPosition> {
  const out = new Map<string, TomlPosition>();
  const arrayCounts = new Map<string, number>();
  const position: (offset: number) => TomlPosition = lineIndex(text);
  const record = (path: readonly string[], offset: number) => {
    const key = path.join("\0");
    if (!out.has(key)) out.set(key, position(offset));
  };
  // A header path goes through the latest item of every array of tables it names.
  const resolve = (segments: readonly string[]): string[] => {
    const resolved: string[] = [];
    for (const s of segments) {
      resolved.push(s);
      const count = arrayCounts.get(resolved.join("\0"));
      if (count !== undefined) resolved.push(String(count - 1));
    }
    return resolved;
  };

  let table: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
      continue;
    }
    if (c === "#") {
      i = endOfLine(text, i);
      continue;
    }
    if (c === "[") {
      const double = text[i + 1] === "[";
      const start = i;
      const close = scanKeyUntil(text, i + (double ? 2 : 1), "]");
      const segments = keySegments(text.slice(i + (double ? 2 : 1), close).trim());
      i = endOfLine(text, close);
      if (!segments || segments.length === 0) continue;
      if (double) {
        const parent = resolve(segments.slice(0, -1));
        const full = [...parent, segments[segments.length - 1] ?? ""];
        const count = arrayCounts.get(full.join("\0")) ?? 0;
        arrayCounts.set(full.join("\0"), count + 1);
        table = [...full, String(count)];
        record(full, start);
      } else {
        table = resolve(segments);
      }
      record(table, start);
      continue;
    }
    // A key/value pair: the key runs to the `=` outside quotes, the value is skipped whole.
    const eq = scanKeyUntil(text, i, "=");
    const segments = keySegments(text.slice(i, eq).trim());
    if (segments) {
      for (let k = 1; k <= segments.length; k++) record([...table, ...segments.slice(0, k)], i);
    }
    // Items of an array (`users = [ {...}, {...} ]` over several lines) get their own lines too.
    const key = segments ? [...table, ...segments] : undefined;
    const onItem = key
      ? (index: number, offset: number) => record([...key, String(index)], offset)
      : undefined;
    i = endOfLine(text, skipValue(text, eq + 1, onItem));
  }
  return out;
}

function endOfLine(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl === -1 ? text.length : nl + 1;
}

/** Index of `stop` outside quoted key segments (or the end of the line). */
function scanKeyUntil(text: string, from: number, stop: string): number {
  let i = from;
  while (i < text.length && text[i] !== "\n") {
    const c = text[i];
    if (c === stop) return i;
    if (c === '"' || c === "'") i = skipString(text, i);
    else i++;
  }
  return i;
}

/** Skip one string starting at `from` (basic, literal, or their multi-line forms); returns the index after it. */
function skipString(text: string, from: number): number {
  const q = text[from] ?? '"';
  const triple = text.startsWith(q.repeat(3), from);
  let i = from + (triple ? 3 : 1);
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && q === '"') {
      i += 2;
      continue;
    }
    if (triple) {
      if (text.startsWith(q.repeat(3), i)) {
        i += 3;
        // Up to two more quotes right before the closing delimiter belong to the content.
        for (let extra = 0; extra < 2 && text[i] === q; extra++) i++;
        return i;
      }
    } else if (c === q || c === "\n") {
      return i + 1;
    }
    i++;
  }
  return i;
}

/**
 * Skip a value (string, array, inline table, scalar); returns the index right after it. For an
 * array, `onItem` hears where each top-level item starts.
 */
function skipValue(text: string, from: number, onItem?: (index: number, offset: number) => void): number {
  let i = from;
  let depth = 0;
  let inArray = false;
  let expectingItem = false;
  let index = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (expectingItem && depth === 1 && !/[\s,#\]]/.test(c)) {
      onItem?.(index++, i);
      expectingItem = false;
    }
    if (c === '"' || c === "'") {
      i = skipString(text, i);
      if (depth === 0) return i;
      continue;
    }
    if (c === "[" || c === "{") {
      if (depth === 0) {
        inArray = c === "[";
        expectingItem = inArray;
      }
      depth++;
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth <= 0) return i + 1;
    } else if (c === "," && depth === 1 && inArray) {
      expectingItem = true;
    } else if (c === "#") {
      // A comment ends the value on this line; inside an array the value goes on below.
      if (depth === 0) return i;
      i = endOfLine(text, i);
      continue;
    } else if (c === "\n" && depth === 0) {
      return i;
    }
    i++;
  }
  return i;
}

const parsed = new WeakMap<ProjectFile, TomlDocument | string>();

/** Parse a read file once: the Streamlit source and the scripts source both ask for config.toml. */
export function tomlOf(file: ProjectFile): TomlDocument | string {
  let doc = parsed.get(file);
  if (doc === undefined) {
    doc = parseTomlWithLines(file.text);
    parsed.set(file, doc);
  }
  return doc;
}
