import { type Dirent, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { SkippedFile } from "../engine/types.js";
import { GitignoreStack } from "./gitignore.js";

/** Directories never worth reading: dependencies, VCS internals, virtualenvs, caches, vendored code. */
const SKIPPED_DIRS = new Set([
  "node_modules",
  ".git",
  ".hg",
  ".svn",
  ".venv",
  "venv",
  ".tox",
  ".nox",
  "__pycache__",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  "site-packages",
  "vendor",
  "third_party",
  "bower_components",
  ".yarn",
  ".pnpm-store",
  ".terraform",
  ".cache",
]);

export interface WalkOptions {
  /** Decide from the path alone whether a file is worth reading (no stat, no read otherwise). */
  isCandidate: (relPath: string, name: string) => boolean;
  /** .gitignore files above the root (git top level down to the root's parent). */
  ancestors?: GitignoreStack;
  /** The user's own exclusions (config `ignore:`): never walked, never read, never git-ignored. */
  exclude?: (relPath: string, isDir: boolean) => boolean;
  /**
   * Git-ignored directories still worth entering (build output: a bundle ships whatever git says).
   * Inside them only `isIgnoredCandidate` files are collected.
   */
  entersIgnored?: (relPath: string, name: string) => boolean;
  isIgnoredCandidate?: (relPath: string, name: string) => boolean;
}

export interface WalkResult {
  candidates: string[];
  /** Candidates that are regular files reached through real directories: inside the root by construction. */
  regular: Set<string>;
  /** Every regular file seen, candidate or not (for the report's totals). */
  filesSeen: number;
  skipped: SkippedFile[];
  gitignore: (relPath: string) => boolean;
}

/**
 * Depth-first walk of the tree. Ignored directories are pruned; ignored candidate files are still
 * returned (a git-ignored .env is exactly the file a user runs with) and marked by `gitignore`.
 * Symlinks are followed only to files inside the root; symlinked directories are never entered,
 * so loops are impossible.
 */
export function walkTree(root: string, options: WalkOptions): WalkResult {
  const absRoot = path.resolve(root);
  const realRoot = realpathSync(absRoot);
  const candidates: string[] = [];
  const regular = new Set<string>();
  const skipped: SkippedFile[] = [];
  const stacks = new Map<string, GitignoreStack>();
  /** Candidate symlinks to files inside the root, with their real targets. */
  const linkTargets = new Map<string, string>();
  let filesSeen = 0;

  const visit = (relDir: string, stack: GitignoreStack, inIgnored = false): void => {
    const isCandidate = inIgnored ? (options.isIgnoredCandidate ?? (() => false)) : options.isCandidate;
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(absRoot, relDir), { withFileTypes: true });
    } catch (err) {
      skipped.push({
        path: relDir || ".",
        reason: `directory unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      });
      return;
    }
    // A virtualenv announces itself with pyvenv.cfg, whatever its directory is called.
    if (relDir && entries.some((e) => e.name === "pyvenv.cfg" && e.isFile())) return;
    const gi = entries.find((e) => e.name === ".gitignore" && e.isFile());
    let here = stack;
    if (gi) {
      try {
        here = stack.with(relDir, readFileSync(path.join(absRoot, relDir, ".gitignore"), "utf8"));
      } catch {
        skipped.push({
          path: join(relDir, ".gitignore"),
          reason: "unreadable .gitignore: its patterns were not applied",
        });
      }
    }
    stacks.set(relDir, here);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = join(relDir, entry.name);
      if (!entry.isDirectory() && options.exclude?.(rel, false)) continue;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || options.exclude?.(rel, true)) continue;
        if (!inIgnored && here.ignores(rel, true)) {
          if (options.entersIgnored?.(rel, entry.name)) visit(rel, here, true);
          continue;
        }
        if (inIgnored && options.entersIgnored && !options.entersIgnored(rel, entry.name)) continue;
        visit(rel, here, inIgnored);
      } else if (entry.isFile()) {
        filesSeen++;
        if (isCandidate(rel, entry.name)) {
          candidates.push(rel);
          regular.add(rel);
        }
      } else if (entry.isSymbolicLink()) {
        const problem = symlinkProblem(path.join(absRoot, rel), realRoot);
        if (typeof problem === "object") {
          filesSeen++;
          if (isCandidate(rel, entry.name)) {
            candidates.push(rel);
            linkTargets.set(rel, problem.target);
          }
        } else if (problem !== "directory" && isCandidate(rel, entry.name)) {
          skipped.push({ path: rel, reason: problem });
        }
      } else if (isCandidate(rel, entry.name)) {
        // A FIFO, socket or device under an env-file name: never opened (a FIFO would block).
        skipped.push({ path: rel, reason: "not a regular file" });
      }
    }
  };

  visit("", options.ancestors ?? GitignoreStack.empty());
  // A link to a file the walk reads anyway (nginx's sites-enabled/app -> ../sites-available/app) is
  // read once, under the file's own path: otherwise every finding in it would be reported twice.
  const dropped = new Set<string>();
  for (const [link, target] of linkTargets) {
    if (regular.has(path.relative(realRoot, target).split(path.sep).join("/"))) dropped.add(link);
  }
  const gitignore = (relPath: string): boolean => {
    const dir = relPath.includes("/") ? relPath.slice(0, relPath.lastIndexOf("/")) : "";
    return (stacks.get(dir) ?? options.ancestors ?? GitignoreStack.empty()).ignores(relPath, false);
  };
  return {
    candidates: dropped.size > 0 ? candidates.filter((c) => !dropped.has(c)) : candidates,
    regular,
    filesSeen,
    skipped,
    gitignore,
  };
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

/** The real target when a symlink is a file safe to read, "directory" when it is not entered, else why it is skipped. */
function symlinkProblem(abs: string, realRoot: string): { target: string } | string {
  let target: string;
  try {
    target = realpathSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ELOOP" ? "symlink loop" : "broken symlink";
  }
  if (target !== realRoot && !target.startsWith(realRoot + path.sep))
    return "symlink points outside the scanned root";
  try {
    return statSync(target).isDirectory() ? "directory" : { target };
  } catch {
    return "broken symlink";
  }
}
