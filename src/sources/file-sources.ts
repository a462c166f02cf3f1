import type { SkippedFile, Subject } from "../engine/types.js";
import { bundleSource } from "./bundle.js";
import { cloudflaredSource } from "./cloudflared.js";
import { DOCKERFILE_SOURCE } from "./dockerfile.js";
import type { FileSource } from "./file-source.js";
import type { ProjectFile } from "./files.js";
import { nginxSource } from "./nginx.js";
import type { Project } from "./project.js";
import { SCRIPTS_SOURCE } from "./scripts.js";
import { streamlitSource } from "./streamlit.js";

/** Every file source, in the order their subjects are produced. Add a source here. */
export const FILE_SOURCES: readonly FileSource[] = [
  bundleSource,
  DOCKERFILE_SOURCE,
  SCRIPTS_SOURCE,
  nginxSource,
  streamlitSource,
  cloudflaredSource,
];

export function fileSourceFor(relPath: string, name: string): FileSource | undefined {
  return FILE_SOURCES.find((s) => s.isCandidate(relPath, name));
}

/** Subject kinds of the file sources, with the reason a rule on one is skipped when there is none. */
export function fileSourceSkipReasons(): Record<string, string> {
  return Object.assign({}, ...FILE_SOURCES.map((s) => s.kinds));
}

/** Run each file through its source; a malformed file is skipped with the reason, never a crash. */
export function fileSourceSubjects(project: Project, skipped: SkippedFile[]): Subject[] {
  const files = new Map<string, ProjectFile>(project.configFiles.map((f) => [f.path, f]));
  const context = {
    git: project.git,
    envFiles: project.envFiles,
    composeFiles: project.composeFiles,
    files,
  };
  const out: Subject[] = [];
  for (const file of project.configFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const source = fileSourceFor(file.path, name);
    if (!source) continue;
    let got: Subject[] | string | null;
    try {
      got = source.subjects(file, context);
    } catch (err) {
      // A parser bug must not cost the rest of the scan.
      got = `${source.name} source failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (typeof got === "string") skipped.push({ path: file.path, reason: got });
    else if (got) out.push(...got);
  }
  return out;
}
