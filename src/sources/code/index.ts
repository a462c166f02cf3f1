import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SkippedFile } from "../../engine/types.js";
import type { ProjectFile } from "../files.js";
import type { CodeFacts } from "./facts.js";
import { FRAMEWORK_CONFIG } from "./facts.js";
import { hintWindows, prefilter, WINDOWED_BYTES } from "./hints.js";
import { type Lang, langOf } from "./tree-sitter.js";
import { type Job, parseOne, type WorkerResult } from "./worker.js";

export interface CodeDocument {
  path: string;
  lang: Lang;
  facts: CodeFacts;
  lines: readonly string[];
}

export function isCodeCandidate(name: string): boolean {
  return langOf(name) !== undefined;
}

export interface CodeStats {
  candidates: number;
  parsed: number;
  prefiltered: number;
  parseMs: number;
}

// Below these a worker's start-up (its own WebAssembly runtime and grammars) costs more than it saves.
const MIN_FILES_FOR_WORKERS = 1000;
const MIN_BYTES_FOR_WORKERS = 4 * 1024 * 1024;

/** What parsing a job reads: the whole text, or only its windows. */
const jobBytes = (j: Job): number => j.text.length + (j.windows ?? []).reduce((n, w) => n + w.text.length, 0);

async function inWorkers(jobs: Array<{ path: string; lang: Lang; text: string }>): Promise<WorkerResult[]> {
  const count = Math.min(2, Math.max(1, availableParallelism()));
  // Balance by bytes, largest first: one 300 KB file costs as much as a hundred small ones.
  const batches: Array<typeof jobs> = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  for (const job of [...jobs].sort((a, b) => jobBytes(b) - jobBytes(a))) {
    const i = load.indexOf(Math.min(...load));
    batches[i]?.push(job);
    load[i] = (load[i] ?? 0) + jobBytes(job);
  }
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
  const jobs: Job[] = [];
  const texts = new Map<string, string>();
  let prefiltered = 0;
  for (const file of files) {
    const lang = langOf(file.path);
    if (!lang) continue;
    const why = prefilter(file.text, options.routes, file.path);
    if (!why) {
      prefiltered++;
      continue;
    }
    // A minified bundle is not source: the bundle scan reads those.
    if (file.text.length > 20_000 && file.text.split(/\r\n|\r|\n/, 20).some((l) => l.length > 5_000)) {
      skipped.push({ path: file.path, reason: "minified file: not parsed as source" });
      continue;
    }
    const windows =
      why === "keys"
        ? hintWindows(file.text, false, true)
        : file.text.length > WINDOWED_BYTES && !FRAMEWORK_CONFIG.test(file.path)
          ? hintWindows(file.text, options.routes ?? false)
          : undefined;
    // Only the windows travel to a worker and get parsed.
    jobs.push({
      path: file.path,
      lang,
      text: windows ? "" : file.text,
      windows,
      literalsOnly: why === "keys",
    });
    texts.set(file.path, file.text);
  }
  const bytes = jobs.reduce((n, j) => n + jobBytes(j), 0);
  const results =
    jobs.length >= MIN_FILES_FOR_WORKERS || bytes >= MIN_BYTES_FOR_WORKERS
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
