import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SkippedFile } from "../../engine/types.js";
import type { ProjectFile } from "../files.js";
import { type CodeFacts, FRAMEWORK_CONFIG } from "./facts.js";
import { type Lang, langOf } from "./tree-sitter.js";
import { parseOne, type WorkerResult } from "./worker.js";

export interface CodeDocument {
  path: string;
  lang: Lang;
  facts: CodeFacts;
  lines: readonly string[];
}

/**
 * The keyword prefilter (gitleaks' and Semgrep's trick): a source file is parsed only if it
 * mentions something a code rule can match. Most of a large repository is never parsed.
 */
const CODE_HINTS = new RegExp(
  [
    "CORSMiddleware|allow_origins|CORS_ALLOW|CORS_ORIGIN_ALLOW|ALLOWED_HOSTS|^DEBUG\\s*=|^bind\\s*=",
    "host\\s*=\\s*[\"'(]|run\\([^)]*debug|\\.listen\\(|\\bcors\\(",
    // express-session / cookie-session take an options object; `getSession(` is not one of them
    "\\b(session|cookieSession|expressSession)\\(\\s*\\{",
    "verify\\s*=\\s*False|rejectUnauthorized",
    // cookies without Secure, static files from the project root, stack traces in responses
    "secure\\s*[=:]\\s*(False|false)|\\.static\\(|\\.stack\\b",
    // env lookups with a default, for names a rule cares about (secrets, hosts)
    "(getenv|environ\\.get)\\(\\s*[\"'][\\w]*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)[\\w]*[\"']\\s*,",
    "process\\.env\\.\\w*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)\\w*\\s*(\\|\\||\\?\\?)",
    // a secret-named value next to an equality operator (code-secret-compare)
    "(api_?key|secret|token|password)[\\w.'\"\\])]*\\s*[!=]==?|[!=]==?\\s*[\\w.\\[]*(api_?key|secret|token|password)",
  ].join("|"),
  "im",
);

export function isCodeCandidate(name: string): boolean {
  return langOf(name) !== undefined;
}

/** Route declarations: read only when a live probe will use them (`scan . --url`). */
const ROUTE_HINTS =
  /@\w+\.(get|post|put|patch|delete|route|api_route)\(|\.(get|post|put|patch|delete|all|route)\(\s*["'`]\//;

export function passesPrefilter(text: string, withRoutes = false, path = ""): boolean {
  // A framework config is small and every setting in it may matter: always read.
  if (FRAMEWORK_CONFIG.test(path)) return true;
  return CODE_HINTS.test(text) || (withRoutes && ROUTE_HINTS.test(text));
}

export interface CodeStats {
  candidates: number;
  parsed: number;
  prefiltered: number;
  parseMs: number;
}

const MIN_FILES_FOR_WORKERS = 200;

async function inWorkers(jobs: Array<{ path: string; lang: Lang; text: string }>): Promise<WorkerResult[]> {
  const count = Math.min(2, Math.max(1, availableParallelism()));
  const batches: Array<typeof jobs> = Array.from({ length: count }, () => []);
  for (const [i, job] of jobs.entries()) batches[i % count]?.push(job);
  const url = new URL("./worker.js", import.meta.url);
  const results = await Promise.all(
    batches.map(
      (batch) =>
        new Promise<WorkerResult[]>((resolve, reject) => {
          const worker = new Worker(url, { workerData: batch });
          worker.once("message", (r: WorkerResult[]) => {
            resolve(r);
            void worker.terminate();
          });
          worker.once("error", reject);
        }),
    ),
  );
  return results.flat();
}

/** Parse the candidate source files that pass the prefilter (in two workers for large trees); a file that fails to parse is skipped with the reason. */
export async function parseCode(
  files: readonly ProjectFile[],
  skipped: SkippedFile[],
  options: { routes?: boolean } = {},
): Promise<{ docs: CodeDocument[]; stats: CodeStats }> {
  const started = performance.now();
  const jobs: Array<{ path: string; lang: Lang; text: string }> = [];
  const texts = new Map<string, string>();
  let prefiltered = 0;
  for (const file of files) {
    const lang = langOf(file.path);
    if (!lang) continue;
    if (!passesPrefilter(file.text, options.routes, file.path)) {
      prefiltered++;
      continue;
    }
    // A minified bundle is not source: the bundle scan reads those.
    if (file.text.length > 20_000 && file.text.split("\n", 20).some((l) => l.length > 5_000)) {
      skipped.push({ path: file.path, reason: "minified file: not parsed as source" });
      continue;
    }
    jobs.push({ path: file.path, lang, text: file.text });
    texts.set(file.path, file.text);
  }
  const results =
    jobs.length >= MIN_FILES_FOR_WORKERS
      ? await inWorkers(jobs)
      : await Promise.all(jobs.map((j) => parseOne(j)));
  const docs: CodeDocument[] = [];
  for (const r of results) {
    if ("error" in r) {
      skipped.push({ path: r.path, reason: r.error });
      continue;
    }
    docs.push({
      path: r.path,
      lang: langOf(r.path) ?? "python",
      facts: r.facts,
      lines: (texts.get(r.path) ?? "").split(/\r\n|\r|\n/),
    });
  }
  docs.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    docs,
    stats: {
      candidates: files.length,
      parsed: docs.length,
      prefiltered,
      parseMs: Math.round(performance.now() - started),
    },
  };
}
