import type { FieldValue, Location, Subject } from "../engine/types.js";
import { mayBeSecret, providerSecret, secretPartOf } from "../predicates/secrets.js";
import { fileRole } from "./env.js";
import { type FileSource, lineSubject, splitLines } from "./file-source.js";
import type { ProjectFile } from "./files.js";

// Dockerfiles, parsed the way BuildKit's frontend does (moby/buildkit frontend/dockerfile/parser):
// parser directives only at the top, whole-line comments (also between continued lines), the
// escape character ending a line continues it, heredocs after RUN/COPY/ADD, JSON (exec) or shell
// form. What Docker refuses to build (no FROM, an unknown instruction, an unterminated heredoc)
// is skipped with Docker's reason; what Docker accepts (a continuation left open at EOF) is read.

export const DOCKERFILE_SUBJECT_KINDS = ["dockerfile", "dockerfile-stage", "dockerfile-instruction"] as const;

const INSTRUCTIONS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);
const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);
const JSON_FORM_INSTRUCTIONS = new Set(["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"]);
/** ARGs BuildKit defines itself: usable in FROM without being declared. */
const AUTOMATIC_ARGS = new Set([
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDARCH",
  "BUILDVARIANT",
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETARCH",
  "TARGETVARIANT",
]);
/** Suffixes after `Dockerfile.` that name something else: docs, templates' outputs, ignore files. */
const NOT_A_DOCKERFILE =
  /\.(md|markdown|rst|txt|adoc|html?|dockerignore|sh|bash|py|js|ts|json|ya?ml|toml|lock|bak|orig|swp|rej)$|~$/i;

export function isDockerfileName(name: string): boolean {
  if (NOT_A_DOCKERFILE.test(name)) return false;
  return (
    name === "Dockerfile" ||
    name === "Containerfile" ||
    /^(Dockerfile|Containerfile)\.[\w.-]+$/.test(name) ||
    /^[\w.-]+\.(Dockerfile|dockerfile)$/.test(name)
  );
}

export interface DockerPair {
  key: string;
  /** The value after quote removal; "" for `ARG NAME` with no default (see hasValue). */
  value: string;
  /** The value as written in the file (quotes included), for masking. */
  written: string;
  hasValue: boolean;
  line: number;
  column: number;
}

export interface DockerInstruction {
  keyword: string;
  /** Leading `--name=value` flags (`--from=build`, `--platform=...`, `--mount=...`). */
  flags: string[];
  /** Everything after the flags, continuation lines joined, comments dropped. */
  args: string;
  /** The JSON (exec) form's elements, when the instruction uses it. */
  exec?: string[];
  line: number;
  column: number;
  /** Index of the stage the instruction belongs to; -1 before the first FROM. */
  stage: number;
  /** ENV and ARG: each name with its value, at its own line. */
  pairs: DockerPair[];
  /** Heredoc delimiters (`RUN <<EOF`): their bodies are skipped. */
  heredocs: string[];
}

export interface DockerStage {
  index: number;
  /** `AS name`, lowercased as Docker does; "" when unnamed. */
  name: string;
  /** The image as written after FROM. */
  written: string;
  /** With the global ARGs substituted. */
  image: string;
  /** False when the image still depends on a build argument without a default. */
  resolved: boolean;
  /** `FROM <earlier stage>`: not an image pull. */
  parent?: number;
  platform: string;
  line: number;
  column: number;
  /** The last USER of this stage (or inherited from its parent stage). */
  user?: { value: string; line: number; column: number };
}

export interface DockerfileDocument {
  path: string;
  lines: readonly string[];
  stages: DockerStage[];
  instructions: DockerInstruction[];
}

interface Segment {
  offset: number;
  line: number;
  column: number;
}

/** The escape character that ends a line continues it, unless it is itself escaped. */
function continuationRegex(escapeChar: string): RegExp {
  const e = `\\${escapeChar}`;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

interface DockerWord {
  value: string;
  raw: string;
  start: number;
  end: number;
}

/** Split on unquoted whitespace; quotes and escapes are removed from `value`, kept in `raw`. */
export function dockerWords(text: string, escapeChar = "\\"): DockerWord[] {
  const words: DockerWord[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (i >= text.length) break;
    const start = i;
    let value = "";
    while (i < text.length && !/\s/.test(text[i] ?? "")) {
      const c = text[i] ?? "";
      if (c === escapeChar && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
      } else if (c === "'") {
        const close = text.indexOf("'", i + 1);
        const end = close < 0 ? text.length : close;
        value += text.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          const d = text[i] ?? "";
          if (d === escapeChar && /["$`]/.test(text[i + 1] ?? "")) {
            value += text[i + 1];
            i += 2;
          } else if (d === escapeChar && text[i + 1] === escapeChar) {
            value += escapeChar;
            i += 2;
          } else {
            value += d;
            i++;
          }
        }
        i++;
      } else {
        value += c;
        i++;
      }
    }
    const end = Math.min(i, text.length);
    words.push({ value, raw: text.slice(start, end), start, end });
  }
  return words;
}

/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` from known values; unknown names stay unresolved. */
export function substituteArgs(
  text: string,
  vars: ReadonlyMap<string, string | undefined>,
): { value: string; resolved: boolean } {
  let resolved = true;
  const value = text.replace(
    /\$(?:\{([A-Za-z_]\w*)(?:(:?)([-+])([^}]*))?\}|([A-Za-z_]\w*))/g,
    (_m, braced: string | undefined, colon: string, op: string | undefined, word: string, bare: string) => {
      const name = braced ?? bare ?? "";
      const known = vars.get(name);
      const isSet = known !== undefined && (colon !== ":" || known !== "");
      if (op === "-") return isSet ? (known ?? "") : word;
      if (op === "+") return isSet ? word : "";
      if (known === undefined) {
        resolved = false;
        return `\${${name}}`;
      }
      return known;
    },
  );
  return { value, resolved };
}

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === "string")) return parsed as string[];
  } catch {
    // Docker falls back to the shell form when the JSON does not parse.
  }
  return undefined;
}

/** Parse a Dockerfile; a string is why Docker would refuse it. */
export function parseDockerfile(path: string, text: string): DockerfileDocument | string {
  const lines = splitLines(text.replace(/^\uFEFF/, ""));
  let escapeChar = "\\";
  let directivesDone = false;
  const seenDirectives = new Set<string>();
  const instructions: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  const globalArgs = new Map<string, string | undefined>();
  const stageNames = new Map<string, number>();
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i] ?? "";
    const lineNo = ++i;
    const trimmed = raw.trimStart();
    if (!directivesDone) {
      const d = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(trimmed);
      const key = d?.[1]?.toLowerCase() ?? "";
      if (d && ["escape", "syntax", "check"].includes(key)) {
        if (seenDirectives.has(key)) return `only one ${key} parser directive can be used (line ${lineNo})`;
        seenDirectives.add(key);
        if (key === "escape") {
          if (d[2] !== "\\" && d[2] !== "`") return `invalid escape token '${d[2]}' on line ${lineNo}`;
          escapeChar = d[2];
        }
        continue;
      }
      directivesDone = true;
    }
    if (trimmed.startsWith("#")) continue;
    const cont = continuationRegex(escapeChar);
    const column = raw.length - trimmed.length + 1;
    const segments: Segment[] = [{ offset: 0, line: lineNo, column }];
    let open = cont.test(trimmed);
    let joined = trimmed.replace(cont, "$1");
    if (!open && joined.trim() === "") continue;
    // Continued lines keep their leading whitespace; comment and blank lines in between are dropped.
    while (open && i < lines.length) {
      const next = lines[i] ?? "";
      const n = ++i;
      if (next.trimStart().startsWith("#") || next.trim() === "") continue;
      segments.push({ offset: joined.length, line: n, column: 1 });
      open = cont.test(next);
      joined += next.replace(cont, "$1");
    }
    const at = (offset: number): { line: number; column: number } => {
      let seg = segments[0] as Segment;
      for (const s of segments) if (s.offset <= offset) seg = s;
      return { line: seg.line, column: seg.column + offset - seg.offset };
    };

    const head = /^(\S+)\s*/.exec(joined);
    const keyword = (head?.[1] ?? "").toUpperCase();
    if (!INSTRUCTIONS.has(keyword)) return `unknown instruction "${head?.[1]}" on line ${lineNo}`;
    let argsOffset = head?.[0].length ?? 0;
    const flags: string[] = [];
    for (;;) {
      const flag = /^--[\w-]+(=("[^"]*"|'[^']*'|\S)*)?\s*/.exec(joined.slice(argsOffset));
      if (!flag) break;
      flags.push(flag[0].trim());
      argsOffset += flag[0].length;
    }
    const args = joined.slice(argsOffset).trim();
    const exec = JSON_FORM_INSTRUCTIONS.has(keyword) ? parseJsonArray(args) : undefined;
    const instruction: DockerInstruction = {
      keyword,
      flags,
      args,
      exec,
      line: lineNo,
      column,
      stage: stages.length - 1,
      pairs: [],
      heredocs: [],
    };

    if (keyword === "FROM") {
      const words = dockerWords(args, escapeChar).map((w) => w.value);
      if (words.length !== 1 && !(words.length === 3 && words[1]?.toLowerCase() === "as"))
        return `FROM on line ${lineNo} needs an image, optionally followed by AS <name>`;
      const name = (words[2] ?? "").toLowerCase();
      if (name && !/^[a-z][a-z0-9-_.]*$/.test(name))
        return `invalid build stage name "${words[2]}" on line ${lineNo}`;
      if (name && stageNames.has(name)) return `duplicate build stage name "${name}" on line ${lineNo}`;
      const written = words[0] ?? "";
      const vars = new Map(globalArgs);
      for (const a of AUTOMATIC_ARGS) if (!vars.has(a)) vars.set(a, "");
      const { value: image, resolved } = substituteArgs(written, vars);
      const parent = stageNames.get(image.toLowerCase());
      const platform = flags.find((f) => f.startsWith("--platform="))?.slice("--platform=".length) ?? "";
      const index = stages.length;
      if (name) stageNames.set(name, index);
      instruction.stage = index;
      stages.push({
        index,
        name,
        written,
        image,
        resolved,
        parent,
        platform,
        line: lineNo,
        column,
        user: parent === undefined ? undefined : stages[parent]?.user,
      });
    } else if (stages.length === 0 && keyword !== "ARG") {
      return `${keyword} on line ${lineNo} comes before the first FROM (Docker: no build stage in current context)`;
    }

    if (keyword === "ENV" || keyword === "ARG") {
      const words = dockerWords(args, escapeChar);
      const argsAt = joined.indexOf(args, argsOffset);
      const first = words[0];
      if (!first) return `${keyword} on line ${lineNo} has no name`;
      if (keyword === "ENV" && !first.value.includes("=")) {
        // The legacy form: `ENV NAME value with spaces`.
        const rest = args.slice(first.end).trim();
        if (!rest) return `ENV on line ${lineNo} has a name but no value`;
        const value = dockerWords(rest, escapeChar)
          .map((w) => w.value)
          .join(" ");
        instruction.pairs.push({
          key: first.value,
          value,
          written: rest,
          hasValue: true,
          ...at(argsAt + first.start),
        });
      } else {
        for (const w of words) {
          const eq = w.value.indexOf("=");
          if (keyword === "ENV" && eq < 0)
            return `ENV on line ${lineNo}: "${w.raw}" is not of the form name=value`;
          const key = eq < 0 ? w.value : w.value.slice(0, eq);
          if (!key) return `${keyword} on line ${lineNo} has an empty name`;
          const rawEq = w.raw.indexOf("=");
          instruction.pairs.push({
            key,
            value: eq < 0 ? "" : w.value.slice(eq + 1),
            written: rawEq < 0 ? "" : w.raw.slice(rawEq + 1),
            hasValue: eq >= 0,
            ...at(argsAt + w.start),
          });
        }
      }
      if (keyword === "ARG" && stages.length === 0)
        for (const p of instruction.pairs) globalArgs.set(p.key, p.hasValue ? p.value : undefined);
    }

    if (keyword === "USER") {
      const stage = stages[stages.length - 1];
      if (!args) return `USER on line ${lineNo} has no user`;
      if (stage) stage.user = { value: args, ...at(joined.indexOf(args, argsOffset)) };
    }

    if (HEREDOC_INSTRUCTIONS.has(keyword) && !exec) {
      for (const w of dockerWords(args, escapeChar)) {
        const h = /^(\d*)<<(-?)([^<]+)$/.exec(w.raw);
        if (!h) continue;
        const delimiter = (h[3] ?? "").replace(/^(["'])(.*)\1$/, "$2");
        const chomp = h[2] === "-";
        let terminated = false;
        while (i < lines.length) {
          const body = lines[i++] ?? "";
          if ((chomp ? body.replace(/^\t+/, "") : body) === delimiter) {
            terminated = true;
            break;
          }
        }
        if (!terminated) return `unterminated heredoc <<${delimiter} started on line ${lineNo}`;
        instruction.heredocs.push(delimiter);
      }
    }
    instructions.push(instruction);
  }
  if (instructions.length === 0) return "no instructions (Docker: file with no instructions)";
  if (stages.length === 0) return "no FROM instruction (Docker: no build stage)";
  return { path, lines, stages, instructions };
}

const parsed = new WeakMap<ProjectFile, DockerfileDocument | string>();

/** Parse once per file: the scripts source asks the same Dockerfiles what they run. */
export function dockerfileOf(file: ProjectFile): DockerfileDocument | string {
  let doc = parsed.get(file);
  if (doc === undefined) {
    doc = parseDockerfile(file.path, file.text);
    parsed.set(file, doc);
  }
  return doc;
}

/** Split an image reference into its tag and digest (a registry port is not a tag). */
export function imageParts(image: string): { tag: string; digest: string } {
  const at = image.indexOf("@");
  const digest = at < 0 ? "" : image.slice(at + 1);
  const name = at < 0 ? image : image.slice(0, at);
  const last = name.slice(name.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return { tag: colon < 0 ? "" : last.slice(colon + 1), digest };
}

/**
 * The image a `COPY --from=` copies out of, when it names one: not an earlier stage (by name or
 * index), not an unresolved `$VAR`. "" otherwise. (ADD has no --from.)
 */
function copyFromImage(doc: DockerfileDocument, ins: DockerInstruction): string {
  if (ins.keyword !== "COPY") return "";
  const flag = ins.flags.find((f) => /^--from=/i.test(f));
  const from = (flag?.slice("--from=".length) ?? "").replace(/^(["'])(.*)\1$/, "$2");
  if (from === "" || from.includes("$") || /^\d+$/.test(from)) return "";
  // Stage names are lowercased when parsed, as Docker compares them.
  const stage = doc.stages.some((st) => st.index < ins.stage && st.name === from.toLowerCase());
  return stage ? "" : from;
}

/** Images whose default user is not root (distroless :nonroot, Chainguard, *-unprivileged, Bitnami). */
function runsAsNonRootByDefault(image: string): boolean {
  return /nonroot|unprivileged|rootless|^cgr\.dev\/chainguard\/|^(docker\.io\/)?bitnami\//i.test(image);
}

function pairSecrets(p: DockerPair): string[] {
  if (!mayBeSecret(p.key, p.value)) return [];
  const part = secretPartOf(p.value);
  const written = p.written.replace(/^(["'])(.*)\1$/, "$2");
  return [...new Set([p.value, part, written, p.written].filter((s) => s.length > 0))];
}

function dockerfileSubjects(doc: DockerfileDocument, file: ProjectFile): Subject[] {
  const out: Subject[] = [];
  const lines = doc.lines;
  const finalIndex = doc.stages.length - 1;
  const base: Record<string, FieldValue> = {
    "file.role": fileRole(file.path),
    devcontainer: /(^|\/)\.devcontainer\//.test(file.path),
  };
  const stageLabel = (i: number): string => (i < 0 ? "(global)" : doc.stages[i]?.name || `#${i}`);
  const rootImage = (s: DockerStage): string => {
    let stage: DockerStage | undefined = s;
    for (let guard = 0; stage?.parent !== undefined && guard < 100; guard++) stage = doc.stages[stage.parent];
    return stage?.image ?? "";
  };

  for (const s of doc.stages) {
    const { tag, digest } = imageParts(s.image);
    out.push(
      lineSubject(
        "dockerfile-stage",
        file,
        lines,
        s,
        {
          ...base,
          image: s.image,
          written: s.written,
          tag,
          digest,
          name: s.name,
          index: s.index,
          isFinal: s.index === finalIndex,
          refersToStage: s.parent !== undefined,
          resolved: s.resolved,
          platform: s.platform,
        },
        `stage:${s.name || s.index}:${s.written}`,
      ),
    );
  }

  const seen = new Map<string, number>();
  for (const ins of doc.instructions) {
    const common: Record<string, FieldValue> = {
      copyFromImage: copyFromImage(doc, ins),
      ...base,
      instruction: ins.keyword,
      args: ins.args,
      flags: ins.flags,
      form: ins.exec ? "exec" : "shell",
      command: ins.exec ? ins.exec.join(" ") : ins.args,
      stage: stageLabel(ins.stage),
      stageIndex: ins.stage,
      isFinal: ins.stage === finalIndex,
    };
    if (ins.pairs.length > 0) {
      // Every pair's secrets on each pair: they share the instruction's text (args, command).
      const secrets = [...new Set(ins.pairs.flatMap(pairSecrets))];
      for (const p of ins.pairs) {
        out.push(
          lineSubject(
            "dockerfile-instruction",
            file,
            lines,
            p,
            { ...common, key: p.key, value: p.value, hasValue: p.hasValue },
            `${stageLabel(ins.stage)}:${ins.keyword}:${p.key}`,
            secrets,
          ),
        );
      }
      continue;
    }
    const words = ins.exec ?? dockerWords(ins.args).map((w) => w.value);
    const secrets = words.filter((w) => providerSecret(w) !== undefined);
    const identity = `${stageLabel(ins.stage)}:${ins.keyword}:${ins.args}`;
    const n = seen.get(identity) ?? 0;
    seen.set(identity, n + 1);
    out.push(
      lineSubject(
        "dockerfile-instruction",
        file,
        lines,
        ins,
        { ...common, key: "", value: "", hasValue: false },
        n === 0 ? identity : `${identity}#${n}`,
        secrets,
      ),
    );
  }

  const final = doc.stages[finalIndex] as DockerStage;
  const user = final.user;
  const fieldLocations: Record<string, Location> = user
    ? { finalUser: { file: file.path, line: user.line, column: user.column } }
    : {};
  const finalUser = user?.value ?? "";
  out.push(
    lineSubject(
      "dockerfile",
      file,
      lines,
      final,
      {
        ...base,
        stages: doc.stages.length,
        finalStage: stageLabel(finalIndex),
        finalImage: rootImage(final),
        finalUser,
        hasUser: user !== undefined,
        baseRunsAsNonRoot: runsAsNonRootByDefault(rootImage(final)),
        runsAs: user ? `${finalUser} (USER ${finalUser})` : "root (no USER instruction)",
      },
      "dockerfile",
      [],
      fieldLocations,
    ),
  );
  return out;
}

export const DOCKERFILE_SOURCE: FileSource = {
  name: "dockerfile",
  kinds: {
    dockerfile: "no Dockerfile",
    "dockerfile-stage": "no Dockerfile",
    "dockerfile-instruction": "no Dockerfile",
  },
  isCandidate: (_relPath, name) => isDockerfileName(name),
  subjects(file) {
    const doc = dockerfileOf(file);
    return typeof doc === "string" ? doc : dockerfileSubjects(doc, file);
  },
};
