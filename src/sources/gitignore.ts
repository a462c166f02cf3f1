import ignore, { type Ignore } from "ignore";

interface Layer {
  /** Directory below the scanned root that the .gitignore governs ("" for the root and ancestors). */
  scope: string;
  /** For an ancestor's .gitignore: the scanned root's path as seen from that ancestor. */
  prefix: string;
  matcher: Ignore;
}

/**
 * Nested .gitignore semantics on top of the `ignore` package: each file's patterns apply to paths
 * below its directory, and a deeper file can re-include what a shallower one excluded.
 */
export class GitignoreStack {
  private constructor(private readonly layers: readonly Layer[]) {}

  static empty(): GitignoreStack {
    return new GitignoreStack([]);
  }

  /** Add the .gitignore found in `scope` (a directory relative to the root, "" for the root). */
  with(scope: string, text: string): GitignoreStack {
    return new GitignoreStack([...this.layers, { scope, prefix: "", matcher: ignore().add(text) }]);
  }

  /** Add an ancestor's .gitignore; `rootFromAncestor` is the scanned root relative to that ancestor. */
  withAncestor(rootFromAncestor: string, text: string): GitignoreStack {
    return new GitignoreStack([
      ...this.layers,
      { scope: "", prefix: rootFromAncestor, matcher: ignore().add(text) },
    ]);
  }

  /** `relPath` is relative to the scanned root, `/`-separated. */
  ignores(relPath: string, isDir: boolean): boolean {
    let ignored = false;
    for (const { scope, prefix, matcher } of this.layers) {
      let rel: string;
      if (scope === "") rel = relPath;
      else if (relPath.startsWith(`${scope}/`)) rel = relPath.slice(scope.length + 1);
      else continue;
      if (prefix) rel = `${prefix}/${rel}`;
      const verdict = matcher.test(isDir ? `${rel}/` : rel);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }
}
