import type { Subject } from "../engine/types.js";
import { clientPrefix } from "../predicates/secrets.js";
import type { FileSource } from "./file-source.js";
import { keyTokens } from "./key-tokens.js";

// Built client bundles: what `vite build`, `next build`, CRA and friends write for browsers. The
// secret detectors run on them even when the directory is git-ignored (it usually is): a key inlined
// at build time ships to every visitor whatever the repository says. They are output, not source:
// never parsed as code, never quoted whole (a minified line can be megabytes).

/** Directories whose scripts are shipped to browsers. `.next/static` only: `.next/server` stays on the server. */
const BUNDLE_PATH =
  /(^|\/)(dist|build|out|\.output\/public|\.svelte-kit\/output\/client|\.next\/static|public\/assets|public\/build|static\/js)\//;
const SCRIPT = /\.(m?js|cjs)$/;

/** Build-output directories the walk enters even when a .gitignore covers them. */
export const BUNDLE_DIR_NAMES = new Set(["dist", "build", "out", ".next", ".output", ".svelte-kit"]);
/** Parts of build output that never reach a browser, or are caches: not walked. */
export const NOT_SHIPPED =
  /(^|\/)\.next\/(cache|server|standalone|types|trace)$|(^|\/)\.svelte-kit\/output\/server$/;

/** Bundles may be large; they get their own cap, above the default for source files. */
export const BUNDLE_MAX_BYTES = 16 * 1024 * 1024;

/** Whether the walk enters a git-ignored directory: build output and everything under it but caches and server code. */
export function entersIgnoredDir(relPath: string): boolean {
  return !NOT_SHIPPED.test(relPath) && relPath.split("/").some((segment) => BUNDLE_DIR_NAMES.has(segment));
}

export function isBundlePath(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (!SCRIPT.test(name)) return false;
  if (/\.min\.m?js$/.test(name)) return true;
  return BUNDLE_PATH.test(relPath) && !/(^|\/)node_modules\//.test(relPath);
}

/**
 * Whether a script under a build-output path really is build output. `tools/build/server.js` tracked
 * in git and written by hand is source, for the code rules: output is git-ignored, minified, or in a
 * bundler's own layout (`.next/static/`, `assets/`, CRA's `static/js/`).
 */
export function looksBuilt(file: { path: string; text: string; gitIgnored: boolean }): boolean {
  if (file.gitIgnored || /\.min\.m?js$/.test(file.path)) return true;
  if (
    /(^|\/)(\.next\/static|assets|static\/js|_next\/static|\.output\/public|\.svelte-kit\/output\/client)\//.test(
      file.path,
    )
  )
    return true;
  return file.text.split(/\r\n|\r|\n/, 50).some((line) => line.length > 1000);
}

/** Public-prefixed variables the bundler inlined: Vite's `import.meta.env` object, Next's DefinePlugin strings. */
const INLINED_ENV =
  /\b((?:VITE|NEXT_PUBLIC|REACT_APP|NUXT_PUBLIC|EXPO_PUBLIC|GATSBY|PUBLIC)_[A-Z0-9_]+)["']?\s*[:=]\s*(["'`])([^"'`\s\\]{6,400})\2/g;
/** The name a key was assigned to just before it (`STRIPE_KEY:"sk_live_..."`), for the message. */
const NAME_BEFORE = /([A-Za-z_$][\w$]*)["']?\s*[:=]\s*["'`]?$/;

interface BundleToken {
  name: string;
  token: string;
  index: number;
}

function tokensOf(text: string): BundleToken[] {
  const byToken = new Map<string, BundleToken>();
  for (const m of text.matchAll(INLINED_ENV)) {
    const token = m[3] ?? "";
    if (!byToken.has(token))
      byToken.set(token, { name: m[1] ?? "", token, index: m.index + m[0].indexOf(token) });
  }
  for (const { token, index } of keyTokens(text)) {
    if (byToken.has(token)) continue;
    const name = NAME_BEFORE.exec(text.slice(Math.max(0, index - 80), index))?.[1] ?? "";
    byToken.set(token, { name, token, index });
  }
  return [...byToken.values()].sort((a, b) => a.index - b.index);
}

/** 1-based line and column of each offset, with one pass over the text. */
function positions(text: string, offsets: readonly number[]): Array<{ line: number; column: number }> {
  const out: Array<{ line: number; column: number }> = [];
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for (const offset of offsets) {
    for (; at < offset; at++) {
      if (text.charCodeAt(at) === 10) {
        line++;
        lineStart = at + 1;
      }
    }
    out.push({ line, column: offset - lineStart + 1 });
  }
  return out;
}

export const bundleSource: FileSource = {
  name: "bundle",
  kinds: {
    "bundle-token": "no built client bundle (dist/, build/, .next/static/...) with a key-like string",
  },
  isCandidate: (relPath) => isBundlePath(relPath),
  subjects(file) {
    const tokens = tokensOf(file.text);
    const at = positions(
      file.text,
      tokens.map((t) => t.index),
    );
    return tokens.map((t, i): Subject => {
      const p = at[i] ?? { line: 1, column: 1 };
      return {
        kind: "bundle-token",
        fields: {
          file: file.path,
          "file.name": file.path.slice(file.path.lastIndexOf("/") + 1),
          "file.gitIgnored": file.gitIgnored,
          name: t.name,
          /** For messages: the variable's name, or what it is when the bundler left no name. */
          label: t.name || "a key",
          prefix: clientPrefix(t.name) ?? "",
          token: t.token,
        },
        location: { file: file.path, line: p.line, column: p.column },
        fieldLocations: {},
        // Never the line: a minified bundle is one line of megabytes.
        evidence: t.name ? `${t.name}: "${t.token}"` : `"${t.token}"`,
        secrets: [t.token],
        identity: `${t.name}:${t.token.length}:${t.token.slice(0, 4)}`,
      };
    });
  },
};
