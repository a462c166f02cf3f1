import type { FieldValue, Location, Subject } from "../engine/types.js";
import type { ComposeDocument } from "./compose.js";
import type { EnvDocument } from "./env.js";
import type { ProjectFile } from "./files.js";
import type { GitInfo } from "./git.js";

/**
 * A source for one more kind of file (nginx config, Dockerfile, Streamlit TOML...): which paths it
 * wants, and how one read file becomes subjects. The walk, the read (size cap, binary check) and
 * the skip bookkeeping are shared; a source only parses. Sources are listed in file-sources.ts.
 */
export interface FileSource {
  /** Short name for notes and errors ("nginx", "dockerfile"). */
  readonly name: string;
  /** The subject kinds it produces, each with the reason a rule on that kind is skipped when none exist. */
  readonly kinds: Readonly<Record<string, string>>;
  /** Decide from the path alone (no read) whether the file is this source's. */
  isCandidate(relPath: string, name: string): boolean;
  /**
   * Parse one file into subjects. A string is why the file was skipped (malformed: reported);
   * null means "not one of mine after all" (e.g. a config.yml that is not a tunnel config: silent).
   */
  subjects(file: ProjectFile, context: SourceContext): Subject[] | string | null;
}

/** What a source may look at besides its own file: the already parsed env and compose documents. */
export interface SourceContext {
  readonly git: GitInfo;
  readonly envFiles: readonly EnvDocument[];
  readonly composeFiles: readonly ComposeDocument[];
  /** Every file read for a file source, by path (a script can ask whether a Dockerfile runs it). */
  readonly files: ReadonlyMap<string, ProjectFile>;
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** A subject whose evidence is its line of the file. */
export function lineSubject(
  kind: string,
  file: ProjectFile,
  lines: readonly string[],
  position: { line: number; column?: number },
  fields: Record<string, FieldValue>,
  identity: string,
  secrets: readonly string[] = [],
  fieldLocations: Record<string, Location> = {},
): Subject {
  const location: Location = { file: file.path, line: position.line, column: position.column ?? 1 };
  return {
    kind,
    fields: { file: file.path, "file.name": file.path.slice(file.path.lastIndexOf("/") + 1), ...fields },
    location,
    fieldLocations,
    evidence: (lines[position.line - 1] ?? "").trim(),
    secrets,
    identity,
    sourceLines: lines,
  };
}
