import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export interface GitInfo {
  /** True when the root is inside a git work tree and git answered. */
  available: boolean;
  /** Why git information is missing, for the report. */
  reason?: string;
  /** Tracked paths relative to the scanned root. */
  tracked: ReadonlySet<string>;
  /** The work tree's top directory, when available. */
  topLevel?: string;
}

/** Find the enclosing work tree by looking for `.git`, without spawning anything. */
export function findGitTopLevel(root: string): string | undefined {
  let dir = path.resolve(root);
  for (;;) {
    if (existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** One `git ls-files` call for the whole tree: which files are tracked. */
export function readGitInfo(root: string): GitInfo {
  const topLevel = findGitTopLevel(root);
  if (!topLevel) return { available: false, reason: "not a git repository", tracked: new Set() };
  const result = spawnSync("git", ["ls-files", "-z", "--cached"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error)
    return { available: false, reason: `git could not run (${result.error.message})`, tracked: new Set() };
  if (result.status !== 0) {
    const why = (result.stderr || "").split("\n")[0]?.trim() || `git exited with ${result.status}`;
    return { available: false, reason: why, tracked: new Set() };
  }
  const tracked = new Set(result.stdout.split("\0").filter((p) => p.length > 0));
  return { available: true, tracked, topLevel };
}
