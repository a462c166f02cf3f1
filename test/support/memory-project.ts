import type { FileReader, ProjectFile } from "../../src/sources/files.js";
import { GitignoreStack } from "../../src/sources/gitignore.js";
import { buildProject, isStaticCandidate, type Project } from "../../src/sources/project.js";

/** A project held in memory: the rule tester's way into the same sources the CLI uses. */
export function memoryProject(files: Readonly<Record<string, string>>, tracked?: readonly string[]): Project {
  const isIgnored = (relPath: string): boolean => {
    const segments = relPath.split("/").slice(0, -1);
    let stack = GitignoreStack.empty();
    for (let i = 0; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join("/");
      const gi = files[dir ? `${dir}/.gitignore` : ".gitignore"];
      if (gi !== undefined) stack = stack.with(dir, gi);
    }
    return stack.ignores(relPath, false);
  };
  const reader: FileReader = {
    read(relPath: string): ProjectFile | string {
      const text = files[relPath];
      return text === undefined ? "file not found" : { path: relPath, text, gitIgnored: isIgnored(relPath) };
    },
  };
  const candidates = Object.keys(files)
    .filter((p) => isStaticCandidate(p, p.slice(p.lastIndexOf("/") + 1)))
    .map((p) => reader.read(p))
    .filter((f): f is ProjectFile => typeof f !== "string");
  const git = tracked
    ? { available: true, tracked: new Set(tracked) }
    : { available: false, reason: "not a git repository", tracked: new Set<string>() };
  return buildProject(".", candidates, reader, git, [], Object.keys(files).length);
}
