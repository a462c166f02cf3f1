import { readFileSync } from "node:fs";
import path from "node:path";
import ignore from "ignore";
import type { SkippedFile } from "../engine/types.js";
import { BUNDLE_MAX_BYTES, entersIgnoredDir, isBundlePath, looksBuilt } from "./bundle.js";
import { type CodePath, type CodeScan, isCodeCandidate, startCodeScan } from "./code/index.js";
import { type ComposeDocument, isComposeFileName, OUTSIDE_ROOT, parseCompose } from "./compose.js";
import { type EnvDocument, fileRole, isEnvFileName, isProductionName, parseEnvText } from "./env.js";
import { fileSourceFor } from "./file-sources.js";
import { DiskReader, EXCLUDED, type FileReader, type ProjectFile } from "./files.js";
import { findGitTopLevel, type GitInfo, readGitInfo } from "./git.js";
import { GitignoreStack } from "./gitignore.js";
import { isStreamlitFile } from "./streamlit.js";
import { walkTree } from "./walk.js";

/** Everything the static sources read, each file read and parsed exactly once. */
export interface Project {
  root: string;
  envFiles: EnvDocument[];
  composeFiles: ComposeDocument[];
  /** Source files (Python, JS/TS) already read: hand-written code under build/ or out/, and the rule tester's. */
  sourceFiles: ProjectFile[];
  /** Source files left on disk for the code scan (listed so a test can tell what was scanned). */
  codePaths: CodePath[];
  /** The code scan of `codePaths`, started as soon as the walk listed them (see startCodeScan). */
  codeScan?: CodeScan;
  /** Files of the other file sources (nginx, Dockerfile, TOML...), parsed by file-sources.ts. */
  configFiles: ProjectFile[];
  git: GitInfo;
  skipped: SkippedFile[];
  filesSeen: number;
}

export function isStaticCandidate(relPath: string, name: string): boolean {
  return (
    isEnvFileName(name) ||
    isComposeFileName(name) ||
    isCodeCandidate(name) ||
    fileSourceFor(relPath, name) !== undefined
  );
}

export interface LoadOptions {
  maxFileBytes: number;
  /** Extra ignore globs from the config (gitignore syntax). */
  ignore?: readonly string[];
  /** Route declarations will be wanted (`scan --url`): they count for the prefilter. */
  withRoutes?: boolean;
  /** Share the source files out to a worker from this many (tests force it; default WORKER_FROM_FILES). */
  workerFrom?: number;
}

/** Walk, read and parse a project tree on disk. */
export function loadProject(root: string, options: LoadOptions): Project {
  const git = readGitInfo(root);
  let ancestors = GitignoreStack.empty();
  const top = git.topLevel ?? findGitTopLevel(root);
  if (top) {
    const rootFromTop = path.relative(top, path.resolve(root)).split(path.sep).join("/");
    const segments = rootFromTop ? rootFromTop.split("/") : [];
    // .gitignore files from the top level down to the root's parent, plus .git/info/exclude.
    for (const file of [path.join(top, ".git", "info", "exclude")]) {
      const text = readOptional(file);
      if (text && rootFromTop) ancestors = ancestors.withAncestor(rootFromTop, text);
      else if (text) ancestors = ancestors.with("", text);
    }
    for (let i = 0; i < segments.length; i++) {
      const dir = path.join(top, ...segments.slice(0, i));
      const text = readOptional(path.join(dir, ".gitignore"));
      if (text) ancestors = ancestors.withAncestor(segments.slice(i).join("/"), text);
    }
  }
  const userIgnore = ignore().add([...(options.ignore ?? [])]);
  const exclude = (rel: string, isDir = false): boolean =>
    (options.ignore?.length ?? 0) > 0 && userIgnore.ignores(isDir ? `${rel}/` : rel);
  const plainSources = new Set<string>();
  const walk = walkTree(root, {
    isCandidate: (rel, name) => {
      // Classified once, here: a source file the code scan reads, or a file for the other sources.
      const plain = isPlainSource(rel, name);
      if (plain) plainSources.add(rel);
      return plain || isStaticCandidate(rel, name);
    },
    ancestors,
    exclude,
    // Build output ships whatever git says; a git-ignored .streamlit/ is the config Streamlit runs with.
    entersIgnored: (rel, name) => name === ".streamlit" || entersIgnoredDir(rel),
    isIgnoredCandidate: (rel, name) => isBundlePath(rel) || isStreamlitFile(rel, name),
  });
  const reader = new DiskReader(root, options.maxFileBytes, walk.gitignore, exclude, (rel) =>
    isBundlePath(rel) ? Math.max(options.maxFileBytes, BUNDLE_MAX_BYTES) : options.maxFileBytes,
  );
  // Source files go to the code scan unread: most of a large tree, and the part worth a second thread.
  const codePaths: CodePath[] = [];
  const others: string[] = [];
  for (const rel of walk.candidates) {
    if (plainSources.has(rel)) codePaths.push({ path: rel, regular: walk.regular.has(rel) });
    else others.push(rel);
  }
  const codeScan = startCodeScan(
    { root, maxFileBytes: options.maxFileBytes, routes: options.withRoutes ?? false, paths: codePaths },
    { workerFrom: options.workerFrom },
  );
  const skipped = [...walk.skipped];
  const files: ProjectFile[] = [];
  for (const rel of others) {
    const got = reader.read(rel, walk.regular.has(rel));
    if (typeof got === "string") skipped.push({ path: rel, reason: got });
    else files.push(got);
  }
  const project = buildProject(root, files, reader, git, skipped, walk.filesSeen);
  project.codePaths = codePaths;
  project.codeScan = codeScan;
  return project;
}

/** A source file whose name alone says it is code for the code rules (not a bundle, not another source's file). */
function isPlainSource(rel: string, name: string): boolean {
  return (
    isCodeCandidate(name) &&
    !isComposeFileName(name) &&
    !isEnvFileName(name) &&
    !isBundlePath(rel) &&
    fileSourceFor(rel, name) === undefined
  );
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Which document a read file becomes. */
function kindOf(file: ProjectFile): "compose" | "env" | "config" | "code" | undefined {
  const name = file.path.slice(file.path.lastIndexOf("/") + 1);
  if (isComposeFileName(name)) return "compose";
  if (isEnvFileName(name)) return "env";
  // Hand-written source under a build/ or out/ folder is code, not a bundle.
  if (isBundlePath(file.path) && isCodeCandidate(name) && !looksBuilt(file)) return "code";
  if (fileSourceFor(file.path, name)) return "config";
  return isCodeCandidate(name) ? "code" : undefined;
}

/** Parse read files into documents. Shared by the disk scan and the in-memory rule tester. */
export function buildProject(
  root: string,
  files: readonly ProjectFile[],
  reader: FileReader,
  git: GitInfo,
  skipped: SkippedFile[],
  filesSeen: number,
): Project {
  const envFiles = new Map<string, EnvDocument>();
  const readEnv = (file: ProjectFile): EnvDocument => {
    const { entries, lines } = parseEnvText(file.text);
    const doc: EnvDocument = {
      path: file.path,
      role: fileRole(file.path),
      production: isProductionName(file.path),
      gitIgnored: file.gitIgnored,
      entries,
      lines,
    };
    envFiles.set(file.path, doc);
    return doc;
  };
  const composeInputs: ProjectFile[] = [];
  const sourceFiles: ProjectFile[] = [];
  const configFiles: ProjectFile[] = [];
  for (const file of files) {
    const kind = kindOf(file);
    if (kind === "compose") composeInputs.push(file);
    else if (kind === "env") readEnv(file);
    else if (kind === "config") configFiles.push(file);
    else if (kind === "code") sourceFiles.push(file);
  }
  const composeFiles: ComposeDocument[] = [];
  for (const file of composeInputs) {
    // Compose interpolates from the .env beside the compose file (the project directory).
    const dir = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/") + 1) : "";
    const dotenv = envFiles.get(`${dir}.env`);
    const vars = new Map((dotenv?.entries ?? []).map((e) => [e.key, e.value]));
    const parsed = parseCompose(file.path, file.text, vars, isProductionName(file.path));
    if (typeof parsed === "string") {
      if (!parsed.startsWith("not a compose file")) skipped.push({ path: file.path, reason: parsed });
      continue;
    }
    composeFiles.push(parsed);
    // env_file targets are env files whatever their name.
    for (const target of parsed.services.flatMap((s) => s.envFiles)) {
      if (target.startsWith(OUTSIDE_ROOT)) {
        skipped.push({
          path: target.slice(OUTSIDE_ROOT.length),
          reason: `env_file of ${file.path} is outside the scanned root`,
        });
        continue;
      }
      if (envFiles.has(target) || skipped.some((k) => k.path === target)) continue;
      const got = reader.read(target);
      if (typeof got === "string") {
        if (got === "file not found")
          skipped.push({ path: target, reason: `env_file of ${file.path} does not exist` });
        else if (got !== EXCLUDED) skipped.push({ path: target, reason: got });
      } else readEnv(got);
    }
  }
  return {
    root,
    envFiles: [...envFiles.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    composeFiles,
    sourceFiles,
    codePaths: [],
    configFiles,
    git,
    skipped,
    filesSeen,
  };
}
