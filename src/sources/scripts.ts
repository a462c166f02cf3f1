import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { FieldValue, Subject } from "../engine/types.js";
import { isSecretName, mayBeSecret, providerSecret } from "../predicates/secrets.js";
import { dockerfileOf, isDockerfileName } from "./dockerfile.js";
import { fileRole } from "./env.js";
import { type FileSource, lineSubject, type SourceContext, splitLines } from "./file-source.js";
import type { ProjectFile } from "./files.js";
import { lineIndex } from "./line-index.js";
import { tomlOf } from "./toml.js";

// Scripts that start things on the host: shell scripts, Makefile recipes, Procfile entries and
// package.json `scripts`. Each is split into simple commands the way a shell would (quotes,
// comments, `\` continuations, heredoc bodies, `;` `&&` `|`), then each command's program is found
// behind the wrappers people put in front of it (env, sudo, poetry run, npx, python -m...).
// A command is data: `echo "uvicorn --host 0.0.0.0"` is echo with one argument.

export const SCRIPT_SUBJECT_KINDS = ["script-command"] as const;

export type ScriptKind = "shell" | "make" | "procfile" | "npm";

export function scriptKindOf(name: string): ScriptKind | undefined {
  if (/\.(sh|bash)$/.test(name)) return "shell";
  if (/^(Makefile|makefile|GNUmakefile)$/.test(name) || /\.mk$/.test(name)) return "make";
  if (/^Procfile(\.[\w.-]+)?$/.test(name)) return "procfile";
  if (name === "package.json") return "npm";
  return undefined;
}

export interface ShellCommand {
  /** Words after quote removal and known-variable expansion. */
  words: string[];
  line: number;
}

const SEPARATORS = new Set([";", "&", "|", "(", ")"]);

/** `$NAME`, `${NAME}`, `${NAME:-default}`; an unknown name without a default stays as written. */
function expandParameter(
  text: string,
  i: number,
  vars: ReadonlyMap<string, string>,
): { value: string; next: number } | undefined {
  const braced = /^\$\{([A-Za-z_]\w*)(?:(:?[-=+?])([^}]*))?\}/.exec(text.slice(i));
  if (braced) {
    const name = braced[1] ?? "";
    const op = braced[2] ?? "";
    const known = vars.get(name);
    const set = known !== undefined && (!op.startsWith(":") || known !== "");
    let value: string;
    if (op.endsWith("-") || op.endsWith("=")) value = set ? (known ?? "") : (braced[3] ?? "");
    else if (op.endsWith("+")) value = set ? (braced[3] ?? "") : "";
    else value = known ?? braced[0];
    return { value, next: i + braced[0].length };
  }
  const bare = /^\$([A-Za-z_]\w*)/.exec(text.slice(i));
  if (bare) return { value: vars.get(bare[1] ?? "") ?? bare[0], next: i + bare[0].length };
  return undefined;
}

/** The end (exclusive) of a balanced `$(...)` starting at `i` (pointing at `$`). */
function skipSubstitution(text: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === "'") {
      const close = text.indexOf("'", j + 1);
      j = close < 0 ? text.length : close;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
  }
  return text.length;
}

/**
 * Split shell text into simple commands. `vars` holds variables assigned earlier in the same
 * script (a standalone `HOST=0.0.0.0` is remembered for a later `--host "$HOST"`); it is updated.
 * A string result is why the text is not valid shell (an unterminated quote).
 */
export function splitShell(
  text: string,
  firstLine: number,
  vars: Map<string, string> = new Map(),
): ShellCommand[] | string {
  const out: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let commandLine = firstLine;
  let line = firstLine;
  let skipNextWord = false;
  const heredocs: Array<{ delimiter: string; chomp: boolean }> = [];

  const endWord = () => {
    if (word !== null) {
      if (skipNextWord) skipNextWord = false;
      else words.push(word);
    }
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) {
      // A command that only assigns sets shell variables for the rest of the script.
      if (words.every((w) => /^[A-Za-z_]\w*=/.test(w))) {
        for (const w of words) vars.set(w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1));
      } else if (words[0] === "export" || words[0] === "readonly") {
        for (const w of words.slice(1))
          if (/^[A-Za-z_]\w*=/.test(w)) vars.set(w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1));
      }
      out.push({ words, line: commandLine });
    }
    words = [];
  };
  const append = (s: string) => {
    if (word === null) {
      word = "";
      if (words.length === 0) commandLine = line;
    }
    word += s;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === "\n") {
      endCommand();
      line++;
      i++;
      // Heredoc bodies are data, not commands.
      while (heredocs.length > 0) {
        const { delimiter, chomp } = heredocs.shift() as { delimiter: string; chomp: boolean };
        while (i < text.length) {
          const nl = text.indexOf("\n", i);
          const bodyLine = text.slice(i, nl < 0 ? text.length : nl).replace(/\r$/, "");
          i = nl < 0 ? text.length : nl + 1;
          line++;
          if ((chomp ? bodyLine.replace(/^\t+/, "") : bodyLine) === delimiter) break;
        }
      }
      continue;
    }
    if (c === "\\") {
      if (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n")) {
        i += text[i + 1] === "\r" ? 3 : 2;
        line++;
      } else {
        append(text[i + 1] ?? "");
        i += 2;
      }
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord();
      i++;
      continue;
    }
    if (c === "#" && word === null) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return `unterminated single quote on line ${line}`;
      const body = text.slice(i + 1, close);
      append(body);
      line += body.split("\n").length - 1;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      append("");
      const opened = line;
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return `unterminated double quote on line ${opened}`;
        const d = text[j] ?? "";
        if (d === '"') break;
        if (d === "\\" && text[j + 1] === "\n") {
          j += 2;
          line++;
        } else if (d === "\\" && /["\\$`]/.test(text[j + 1] ?? "")) {
          append(text[j + 1] ?? "");
          j += 2;
        } else if (d === "$" && text[j + 1] === "(") {
          const end = skipSubstitution(text, j);
          append(text.slice(j, end));
          j = end;
        } else if (d === "$") {
          const expanded = expandParameter(text, j, vars);
          append(expanded?.value ?? "$");
          j = expanded?.next ?? j + 1;
        } else {
          if (d === "\n") line++;
          append(d);
          j++;
        }
      }
      i = j + 1;
      continue;
    }
    if (c === "$") {
      if (text[i + 1] === "(") {
        const end = skipSubstitution(text, i);
        append(text.slice(i, end));
        i = end;
        continue;
      }
      const expanded = expandParameter(text, i, vars);
      append(expanded?.value ?? "$");
      i = expanded?.next ?? i + 1;
      continue;
    }
    if (c === "`") {
      const close = text.indexOf("`", i + 1);
      const end = close < 0 ? text.length : close + 1;
      append(text.slice(i, end));
      i = end;
      continue;
    }
    if (c === "<" && text[i + 1] === "<" && text[i + 2] !== "<") {
      const h = /^<<(-?)[ \t]*(["']?)([\w.-]+)\2/.exec(text.slice(i));
      if (h) {
        endWord();
        heredocs.push({ delimiter: h[3] ?? "", chomp: h[1] === "-" });
        i += h[0].length;
        continue;
      }
    }
    if (c === ">" || c === "<") {
      // A redirection: its target is a file name, not an argument.
      if (word !== null && /^\d+$/.test(word)) word = null;
      endWord();
      let j = i + 1;
      while (text[j] === ">" || text[j] === "<" || text[j] === "&" || text[j] === "|") j++;
      if (text[j - 1] === "&" && /\d|-/.test(text[j] ?? "")) j++;
      else skipNextWord = true;
      i = j;
      continue;
    }
    if (SEPARATORS.has(c)) {
      endCommand();
      i += (c === "&" || c === "|" || c === ";") && text[i + 1] === c ? 2 : 1;
      continue;
    }
    append(c);
    i++;
  }
  endCommand();
  return out;
}

/** Words that run the next word: the program is behind them. */
const PREFIX_WORDS = new Set([
  "then",
  "do",
  "else",
  "elif",
  "if",
  "while",
  "until",
  "!",
  "{",
  "}",
  "time",
  "exec",
  "nohup",
  "command",
  "builtin",
  "setsid",
  "caffeinate",
  "watchexec",
  "env",
  "cross-env",
  "cross-env-shell",
  "npx",
  "bunx",
  "pnpx",
  "nodemon",
  "opentelemetry-instrument",
  "ddtrace-run",
]);
const RUNNERS = new Set(["poetry", "uv", "pipenv", "pdm", "hatch", "rye", "conda", "micromamba"]);
const PACKAGE_RUNNERS = new Set(["pnpm", "yarn", "bun"]);

export interface NormalizedCommand {
  assignments: string[];
  program: string;
  args: string[];
}

const basename = (w: string): string => w.slice(w.lastIndexOf("/") + 1);

/** Find the program behind env assignments and wrappers; `python -m mod` runs `mod`. */
export function normalizeCommand(words: readonly string[]): NormalizedCommand {
  const assignments: string[] = [];
  let i = 0;
  const skipFlags = (valued: ReadonlySet<string> = new Set()) => {
    while (i < words.length && (words[i] ?? "").startsWith("-")) {
      const flag = words[i] ?? "";
      i++;
      if (flag === "--") break;
      if (valued.has(flag)) i++;
    }
  };
  for (let guard = 0; guard < 20 && i < words.length; guard++) {
    while (/^[A-Za-z_]\w*=/.test(words[i] ?? "")) assignments.push(words[i++] ?? "");
    const w = basename(words[i] ?? "");
    if (PREFIX_WORDS.has(w)) {
      i++;
      skipFlags(new Set(["-u", "-C", "-S", "-n", "--exec", "--watch", "-w", "-x", "-e"]));
      continue;
    }
    if (w === "sudo" || w === "doas" || w === "nice" || w === "stdbuf" || w === "timeout") {
      i++;
      skipFlags(new Set(["-u", "-g", "-n", "-C", "-D", "-h", "-p", "-U", "-r", "-t", "-s", "-k"]));
      if (w === "timeout" && /^\d/.test(words[i] ?? "")) i++;
      continue;
    }
    if (w === "dotenv") {
      const dash = words.indexOf("--", i);
      i = dash < 0 ? i + 1 : dash + 1;
      continue;
    }
    if (RUNNERS.has(w) && words[i + 1] === "run") {
      i += 2;
      skipFlags(new Set(["--env-file", "--with", "-p", "--python", "-n", "--name", "--project", "-e"]));
      continue;
    }
    if (PACKAGE_RUNNERS.has(w)) {
      i++;
      if (["run", "exec", "dlx", "x"].includes(words[i] ?? "")) i++;
      skipFlags();
      continue;
    }
    if (
      (w === "npm" && ["exec", "x"].includes(words[i + 1] ?? "")) ||
      (w === "bun" && words[i + 1] === "x")
    ) {
      i += 2;
      skipFlags();
      continue;
    }
    if (/^(python[\d.]*|py|pypy3?)$/.test(w)) {
      let j = i + 1;
      while (j < words.length && (words[j] ?? "").startsWith("-") && words[j] !== "-m") j++;
      if (words[j] === "-m" && words[j + 1]) {
        return { assignments, program: words[j + 1] ?? "", args: words.slice(j + 2) };
      }
      if (words[j] && !(words[j] ?? "").startsWith("-")) {
        return { assignments, program: basename(words[j] ?? ""), args: words.slice(j + 1) };
      }
    }
    break;
  }
  const program = basename(words[i] ?? "");
  const args = words.slice(i + 1);
  // `export HOST=0.0.0.0` puts the variable in the environment of what follows.
  if (program === "export") assignments.push(...args.filter((a) => /^[A-Za-z_]\w*=/.test(a)));
  return { assignments, program, args };
}

interface ScriptCommand extends ShellCommand {
  /** Make target, Procfile process type or npm script name; "" in a shell script. */
  script: string;
  /** The command text as the file writes it, for the Procfile `$PORT` check. */
  written: string;
}

/** Make's own variables: `NAME = value`, `:=`, `?=`, `+=`; `$(NAME)` is expanded in recipes. */
function expandMake(text: string, vars: ReadonlyMap<string, string>, depth = 0): string {
  const DOLLAR = "\u0000";
  const out = text.replace(/\$\$/g, DOLLAR).replace(/\$[({]([A-Za-z_][\w.-]*)[)}]/g, (m, name: string) => {
    const v = vars.get(name);
    return v === undefined || depth > 5 ? m : expandMake(v, vars, depth + 1);
  });
  return depth === 0 ? out.replaceAll(DOLLAR, "$") : out;
}

const MAKE_DIRECTIVE =
  /^(-?include|sinclude|ifeq|ifneq|ifdef|ifndef|else|endif|export|unexport|override|vpath|undefine|private|\$[({]|\.[A-Z_]+\s*[:=])/;

function makeCommands(lines: readonly string[]): ScriptCommand[] | string {
  const vars = new Map<string, string>();
  const out: ScriptCommand[] = [];
  let target: string | null = null;
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let text = lines[i++] ?? "";
    if (text.startsWith("\t") && target !== null) {
      // A recipe line; backslash-newline goes to the shell, which joins the lines.
      let recipe = text.slice(1);
      while (/\\$/.test(recipe) && i < lines.length) recipe += `\n${(lines[i++] ?? "").replace(/^\t/, "")}`;
      const body = recipe.replace(/^[@+-]+/, "");
      const commands = splitShell(expandMake(body, vars), start + 1);
      if (typeof commands === "string") return `recipe of ${target}: ${commands}`;
      for (const c of commands) out.push({ ...c, script: target, written: body });
      continue;
    }
    while (/\\$/.test(text) && i < lines.length) text = `${text.slice(0, -1)} ${(lines[i++] ?? "").trim()}`;
    const code = text.replace(/(^|[^\\])#.*$/, "$1").trim();
    if (code === "") continue;
    if (/^define\b/.test(code)) {
      while (i < lines.length && !/^\s*endef\b/.test(lines[i] ?? "")) i++;
      i++;
      target = null;
      continue;
    }
    const assign = /^(?:(?:override|export)\s+)?([A-Za-z_][\w.-]*)\s*(\?|:{1,3}|\+|!)?=\s*(.*)$/.exec(code);
    if (assign) {
      const [, name = "", op, value = ""] = assign;
      if (op === "?" && vars.has(name)) continue;
      vars.set(name, op === "+" ? `${vars.get(name) ?? ""} ${value}`.trim() : value);
      target = null;
      continue;
    }
    const rule = /^([^:=]+?)\s*::?(?!=)\s*(.*)$/.exec(code);
    if (rule) {
      target = (rule[1] ?? "").trim().split(/\s+/)[0] ?? "";
      const inline = (rule[2] ?? "").indexOf(";");
      if (inline >= 0) {
        const body = (rule[2] ?? "").slice(inline + 1);
        const commands = splitShell(expandMake(body, vars), start + 1);
        if (typeof commands === "string") return `recipe of ${target}: ${commands}`;
        for (const c of commands) out.push({ ...c, script: target, written: body });
      }
      continue;
    }
    if (MAKE_DIRECTIVE.test(code)) continue;
    return `line ${start + 1} is neither a rule, a variable nor a tab-indented recipe (make: missing separator)`;
  }
  return out;
}

function procfileCommands(lines: readonly string[]): ScriptCommand[] | string {
  const out: ScriptCommand[] = [];
  for (const [index, text] of lines.entries()) {
    // foreman, honcho and Heroku read `name: command` lines and ignore the rest.
    const m = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(text.trim());
    if (!m || text.trim().startsWith("#")) continue;
    const commands = splitShell(m[2] ?? "", index + 1);
    if (typeof commands === "string") return `process ${m[1]}: ${commands}`;
    for (const c of commands) out.push({ ...c, script: m[1] ?? "", written: m[2] ?? "" });
  }
  return out;
}

/**
 * Line of each script's key. A name written once as a key in the whole file, and once in the parsed
 * JSON, is found by a text search (the usual package.json); anything else takes yaml's exact ranges
 * (JSON is YAML), which cost a parse.
 */
function scriptLines(
  text: string,
  lines: readonly string[],
  names: readonly string[],
  json: unknown,
): Map<string, number> {
  const found = new Map<string, number>();
  const keys = keyCounts(json);
  let position: ((offset: number) => { line: number }) | undefined;
  const ambiguous: string[] = [];
  for (const name of names) {
    const written = [...text.matchAll(new RegExp(`${escapeRegex(JSON.stringify(name))}\\s*:`, "g"))];
    const only = written.length === 1 && keys.get(name) === 1 ? written[0] : undefined;
    if (only) {
      position ??= lineIndex(text);
      found.set(name, position(only.index).line);
    } else ambiguous.push(name);
  }
  if (ambiguous.length === 0) return found;
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    const scripts = doc.contents.get("scripts", true);
    if (isMap(scripts)) {
      for (const pair of scripts.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : "";
        if (pair.key && isScalar(pair.key) && pair.key.range && ambiguous.includes(name) && !found.has(name))
          found.set(name, counter.linePos(pair.key.range[0]).line);
      }
    }
  }
  // Fallback when yaml disagrees with JSON: the first `"name":` line after `"scripts"`.
  const scriptsLine = Math.max(
    0,
    lines.findIndex((l) => /"scripts"\s*:/.test(l)),
  );
  for (const name of ambiguous) {
    if (found.has(name)) continue;
    const key = JSON.stringify(name);
    const index = lines.findIndex((l, n) => n >= scriptsLine && l.includes(`${key}`));
    found.set(name, index < 0 ? scriptsLine + 1 : index + 1);
  }
  return found;
}

/** How many times each key occurs anywhere in a parsed JSON value. */
function keyCounts(json: unknown, out = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(json)) for (const item of json) keyCounts(item, out);
  else if (json !== null && typeof json === "object") {
    for (const [key, value] of Object.entries(json)) {
      out.set(key, (out.get(key) ?? 0) + 1);
      keyCounts(value, out);
    }
  }
  return out;
}

function npmCommands(text: string, lines: readonly string[]): ScriptCommand[] | string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `invalid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return "not a JSON object";
  const scripts = (json as Record<string, unknown>).scripts;
  if (scripts === undefined) return [];
  if (scripts === null || typeof scripts !== "object" || Array.isArray(scripts))
    return "`scripts` is not an object";
  // `"//"` is npm's comment key, not a script.
  const entries = Object.entries(scripts as Record<string, unknown>).filter(
    (e): e is [string, string] => typeof e[1] === "string" && e[0] !== "//",
  );
  const at = scriptLines(
    text,
    lines,
    entries.map(([name]) => name),
    json,
  );
  const out: ScriptCommand[] = [];
  for (const [name, command] of entries) {
    const line = at.get(name) ?? 1;
    const commands = splitShell(command, line);
    if (typeof commands === "string") continue; // npm would fail that one script, not the file
    // A script's commands all point at its line in package.json.
    for (const c of commands) out.push({ ...c, line, script: name, written: command });
  }
  return out;
}

const dirname = (p: string): string => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");

function globToRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** What the Dockerfiles and compose services of the project copy in and run. */
interface ContainerUse {
  /** COPY/ADD sources, relative to the Dockerfile's directory. */
  copied: Array<{ dir: string; source: string }>;
  /** CMD, ENTRYPOINT and RUN command texts, with their Dockerfile's directory. */
  run: Array<{ dir: string; text: string }>;
}

const containerUses = new WeakMap<ReadonlyMap<string, ProjectFile>, ContainerUse>();

function containerUse(context: SourceContext): ContainerUse {
  let use = containerUses.get(context.files);
  if (use) return use;
  use = { copied: [], run: [] };
  for (const file of context.files.values()) {
    if (!isDockerfileName(file.path.slice(file.path.lastIndexOf("/") + 1))) continue;
    const doc = dockerfileOf(file);
    if (typeof doc === "string") continue;
    const dir = dirname(file.path);
    for (const ins of doc.instructions) {
      if (ins.keyword === "COPY" || ins.keyword === "ADD") {
        if (ins.flags.some((f) => f.startsWith("--from="))) continue;
        const parts = ins.exec ?? ins.args.split(/\s+/);
        for (const source of parts.slice(0, -1))
          if (!source.startsWith("<<")) use.copied.push({ dir, source });
      }
      if (["CMD", "ENTRYPOINT", "RUN"].includes(ins.keyword))
        use.run.push({ dir, text: ins.exec ? ins.exec.join(" ") : ins.args });
    }
  }
  for (const compose of context.composeFiles) {
    for (const s of compose.services) {
      for (const v of [s.command?.value, s.entrypoint?.value])
        if (v) use.run.push({ dir: dirname(compose.path), text: v });
    }
  }
  containerUses.set(context.files, use);
  return use;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A script a Dockerfile copies in or runs, or one named like a container entrypoint. */
function shellScriptRunsInContainer(path: string, context: SourceContext): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (/entrypoint/i.test(name) || /^docker-.*\.(sh|bash)$/i.test(name)) return true;
  const use = containerUse(context);
  const mentioned = new RegExp(`(^|[\\s/"'=])${escapeRegex(name)}($|[\\s"';&|])`);
  if (use.run.some((r) => mentioned.test(r.text))) return true;
  return use.copied.some(({ dir, source }) => {
    const clean = source.replace(/^\.\//, "").replace(/\/$/, "");
    if (clean === "." || clean === "") return false; // the whole context: copying is not running
    const rel = dir && path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
    return (
      clean === rel ||
      rel.startsWith(`${clean}/`) ||
      globToRegex(clean).test(rel) ||
      (!clean.includes("/") && globToRegex(clean).test(name))
    );
  });
}

/** An npm script or make target that a container next to it starts (`CMD ["npm", "start"]`). */
function entryRunsInContainer(
  path: string,
  kind: ScriptKind,
  script: string,
  context: SourceContext,
): boolean {
  const dir = dirname(path);
  const s = escapeRegex(script);
  // `npm start` and `npm test` need no `run`; every other script does.
  const npm = ["start", "test"].includes(script)
    ? `npm\\s+(run(-script)?\\s+)?${s}`
    : `npm\\s+run(-script)?\\s+${s}`;
  const runs = kind === "npm" ? `${npm}|(yarn|pnpm|bun)\\s+(run\\s+)?${s}` : `make\\s+(\\S+\\s+)*${s}`;
  const pattern = new RegExp(`(^|[\\s"'])(${runs})($|[\\s"';&|])`);
  return containerUse(context).run.some((r) => r.dir === dir && pattern.test(r.text));
}

/**
 * Where `streamlit run` listens, as far as the project says: `--server.address`, then
 * STREAMLIT_SERVER_ADDRESS on the command line, then `server.address` in the nearest
 * `.streamlit/config.toml` at or above the script (Streamlit reads the one in the directory it is
 * started from). "" when nothing sets it: Streamlit then listens on every interface.
 */
function streamlitAddress(n: NormalizedCommand, scriptPath: string, context: SourceContext): string {
  const at = n.args.findIndex((a) => a === "--server.address" || a.startsWith("--server.address="));
  if (at >= 0) {
    const flag = n.args[at] ?? "";
    return flag.includes("=") ? flag.slice(flag.indexOf("=") + 1) : (n.args[at + 1] ?? "");
  }
  const env = n.assignments.find((a) => a.startsWith("STREAMLIT_SERVER_ADDRESS="));
  if (env !== undefined) return env.slice(env.indexOf("=") + 1);
  for (let dir = dirname(scriptPath); ; dir = dirname(dir)) {
    const config = context.files.get(dir ? `${dir}/.streamlit/config.toml` : ".streamlit/config.toml");
    if (config) return configuredAddress(config);
    if (!dir) return "";
  }
}

function configuredAddress(config: ProjectFile): string {
  const doc = tomlOf(config);
  // A config.toml that does not parse is reported by the streamlit source; here it sets nothing.
  return typeof doc === "string"
    ? ""
    : (doc.leaves.find((l) => l.path.join(".") === "server.address")?.value ?? "");
}

/** Values on a command line that must not leave the engine whole. */
function commandSecrets(words: readonly string[]): string[] {
  const out: string[] = [];
  words.forEach((w, n) => {
    const eq = w.indexOf("=");
    if (/^[A-Za-z_]\w*=/.test(w) && mayBeSecret(w.slice(0, eq), w.slice(eq + 1))) out.push(w.slice(eq + 1));
    else if (/^--?[\w-]+=/.test(w) && isSecretName(w.slice(0, eq).replace(/^-+/, "").replace(/-/g, "_")))
      out.push(w.slice(eq + 1));
    else if (providerSecret(w)) out.push(w);
    const previous = words[n - 1] ?? "";
    if (/^--?[\w-]+$/.test(previous) && isSecretName(previous.replace(/^-+/, "").replace(/-/g, "_")))
      out.push(w);
  });
  return out.filter((s) => s.length >= 4);
}

function commandsOf(
  kind: ScriptKind,
  file: ProjectFile,
  lines: readonly string[],
): ScriptCommand[] | string | null {
  if (kind === "make") return makeCommands(lines);
  if (kind === "procfile") return procfileCommands(lines);
  if (kind === "npm") return npmCommands(file.text, lines);
  const commands = splitShell(file.text.replace(/^\uFEFF/, ""), 1);
  if (typeof commands === "string") return commands;
  return commands.map((c) => ({ ...c, script: "", written: lines[c.line - 1] ?? "" }));
}

/** `sh -c "..."` runs its argument as a script. */
function expandShellC(commands: readonly ScriptCommand[]): ScriptCommand[] {
  const out: ScriptCommand[] = [];
  for (const c of commands) {
    out.push(c);
    const n = normalizeCommand(c.words);
    if (/^(sh|bash|zsh|dash)$/.test(n.program) && n.args[0] === "-c" && n.args[1]) {
      const inner = splitShell(n.args[1], c.line);
      if (typeof inner !== "string") for (const i of inner) out.push({ ...c, words: i.words });
    }
  }
  return out;
}

function scriptSubjects(
  file: ProjectFile,
  kind: ScriptKind,
  context: SourceContext,
): Subject[] | string | null {
  const lines = splitLines(file.text);
  const got = commandsOf(kind, file, lines);
  if (got === null || typeof got === "string") return got;
  const commands = expandShellC(got);
  const fileSecrets = [...new Set(commands.flatMap((c) => commandSecrets(c.words)))];
  const scriptInContainer = kind === "shell" && shellScriptRunsInContainer(file.path, context);
  const seen = new Map<string, number>();
  const out: Subject[] = [];
  for (const c of commands) {
    const n = normalizeCommand(c.words);
    if (!n.program && n.assignments.length === 0) continue;
    const command = c.words.join(" ");
    const runsInContainer =
      scriptInContainer ||
      ((kind === "npm" || kind === "make") &&
        c.script !== "" &&
        entryRunsInContainer(file.path, kind, c.script, context));
    const fields: Record<string, FieldValue> = {
      "file.role": fileRole(file.path),
      kind,
      script: c.script,
      command,
      program: n.program,
      args: n.args.join(" "),
      assignments: n.assignments,
      runsInContainer,
      // Heroku, Render, Railway and Dokku give the process its port in $PORT and route to it.
      platformPort: kind === "procfile" && /\$\{?PORT\b/.test(c.written),
      streamlitAddress: n.program === "streamlit" ? streamlitAddress(n, file.path, context) : "",
    };
    const identity = `${c.script}:${command}`;
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    out.push(
      lineSubject(
        "script-command",
        file,
        lines,
        { line: c.line },
        fields,
        occurrence === 0 ? identity : `${identity}#${occurrence}`,
        fileSecrets,
      ),
    );
  }
  return out;
}

export const SCRIPTS_SOURCE: FileSource = {
  name: "scripts",
  kinds: { "script-command": "no shell script, Makefile, Procfile or package.json scripts" },
  isCandidate: (_relPath, name) => scriptKindOf(name) !== undefined,
  subjects(file, context) {
    const kind = scriptKindOf(file.path.slice(file.path.lastIndexOf("/") + 1));
    return kind ? scriptSubjects(file, kind, context) : null;
  },
};
