import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import path from "node:path";

// How every source gets file contents: one read per file, with the size cap and binary check
// applied in one place. Tests supply an in-memory project through the same interface.

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface ProjectFile {
  /** Relative to the scanned root, with `/` separators. */
  path: string;
  text: string;
  /** Covered by a .gitignore (or git's other excludes). */
  gitIgnored: boolean;
}

export interface FileReader {
  /** Read a file relative to the root; a string result is the reason it was skipped. */
  read(relPath: string, insideRoot?: boolean): ProjectFile | string;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The largest read buffer a reader keeps for the next file (a built bundle's cap). */
const KEPT_BUFFER_BYTES = 16 * 1024 * 1024 + 1;

const tooLarge = (maxBytes: number, size: number): string =>
  `larger than the ${formatBytes(maxBytes)} cap (${formatBytes(size)})`;

/** Why a path the config's `ignore:` names was not read. */
export const EXCLUDED = "excluded by the config's ignore list";

/** Reads from disk, refusing files over the cap, non-regular files and binaries. */
export class DiskReader implements FileReader {
  private readonly realRoot: string;
  constructor(
    private readonly root: string,
    maxBytes: number,
    private readonly isIgnored: (relPath: string) => boolean,
    private readonly isExcluded: (relPath: string) => boolean = () => false,
    /** A per-file cap (built bundles may be larger than source files). */
    private readonly capFor: (relPath: string) => number = () => maxBytes,
  ) {
    this.realRoot = realpathSync(root);
  }

  /**
   * `insideRoot`: the walk found this path as a regular file through real directories, so it cannot
   * leave the root and the realpath check (an lstat per path component) is skipped.
   */
  read(relPath: string, insideRoot = false): ProjectFile | string {
    if (this.isExcluded(relPath)) return EXCLUDED;
    const abs = path.join(this.root, relPath);
    // Never read through a symlink (of the file or a parent directory) that leaves the root.
    if (!insideRoot) {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return code === "ELOOP"
          ? "symlink loop"
          : code === "ENOENT"
            ? "file not found"
            : `unreadable (${code ?? "error"})`;
      }
      if (real !== this.realRoot && !real.startsWith(this.realRoot + path.sep))
        return "symlink points outside the scanned root";
    }
    const reason = this.readProblem(abs, this.capFor(relPath), insideRoot);
    if (typeof reason === "string") return reason;
    return { path: relPath, text: reason.text, gitIgnored: this.isIgnored(relPath) };
  }

  /** Reused from one read to the next: a large tree costs one allocation, not one per file. */
  private buffer = Buffer.allocUnsafe(64 * 1024);

  private readProblem(abs: string, maxBytes: number, insideRoot: boolean): { text: string } | string {
    let fd: number | undefined;
    try {
      // O_NONBLOCK: opening a FIFO that replaced a file since the walk must not hang the scan.
      // O_NOFOLLOW: on the fast path (no realpath), a file swapped for a symlink since the walk is refused.
      fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | (insideRoot ? constants.O_NOFOLLOW : 0));
      // The walk saw a regular file on the fast path; anything else (a symlink's target) is checked.
      if (!insideRoot) {
        const st = fstatSync(fd);
        if (!st.isFile()) return "not a regular file";
        if (st.size > maxBytes) return tooLarge(maxBytes, st.size);
      }
      // Read at most one byte past the cap (no stat needed to enforce it), growing the buffer only
      // as far as the file goes.
      const limit = maxBytes + 1;
      let buf = this.buffer;
      let got = 0;
      while (got < limit) {
        if (got === buf.length) {
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit));
          buf.copy(bigger, 0, 0, got);
          buf = bigger;
        }
        const n = readSync(fd, buf, got, Math.min(buf.length, limit) - got, got);
        if (n === 0) break;
        got += n;
      }
      if (buf.length <= KEPT_BUFFER_BYTES) this.buffer = buf;
      if (got > maxBytes) return tooLarge(maxBytes, Math.max(got, fstatSync(fd).size));
      // A NUL byte in the first 8 KiB means binary (git's test).
      if (buf.subarray(0, Math.min(got, 8192)).includes(0)) return "binary file";
      return { text: buf.toString("utf8", 0, got) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") return "permission denied";
      if (code === "ENOENT") return "file not found";
      if (code === "ELOOP") return "symlink loop";
      // A FIFO or directory swapped in since the walk (the fast path has no fstat to tell).
      if (code === "ESPIPE" || code === "EISDIR") return "not a regular file";
      return `unreadable (${code ?? "error"})`;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
