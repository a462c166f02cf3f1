import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SkippedFile } from "../../engine/types.js";
import { DiskReader, type ProjectFile } from "../files.js";
import { analyseJob, type Job, prepareSource, type SourceOutcome } from "./analyse.js";
import type { CodeFacts } from "./facts.js";
import { type Lang, langOf } from "./tree-sitter.js";
import type { FromWorker, ToWorker } from "./worker.js";

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
  /** Time spent parsing (windows, tree-sitter, facts), whichever thread did it. */
  parseMs: number;
  /** Threads that parsed: 1, or 2 when a large tree's parsing went to a worker. */
  threads: number;
}

export interface CodePath {
  /** Relative to the scanned root. */
  path: string;
  /** The walk reached it as a regular file through real directories (no realpath check needed). */
  regular: boolean;
}

export interface CodeScanSpec {
  root: string;
  maxFileBytes: number;
  /** Route declarations are wanted (`scan --url`): they count for the prefilter. */
  routes: boolean;
  paths: readonly CodePath[];
}

export interface CodeScanResult {
  docs: CodeDocument[];
  skipped: SkippedFile[];
  stats: CodeStats;
}

/** A code scan whose files are read and prefiltered; finish() parses (or collects the worker's parse). */
export interface CodeScan {
  /** Also analyse `inMemory` (source files read elsewhere), and collect every outcome. */
  finish(inMemory?: readonly ProjectFile[]): Promise<CodeScanResult>;
}

/**
 * From this many files passing the prefilter, parsing goes to a worker thread. Below it, the
 * worker's start-up (an isolate, the WebAssembly runtime, four grammars and their queries: about
 * 150 ms of CPU) costs more than it saves.
 */
export const WORKER_FROM_JOBS = 200;
/**
 * A tree with this many source files starts the worker before reading any of them: its start-up
 * then overlaps the main thread's reading instead of following it.
 */
export const WORKER_AT_ONCE_FROM_FILES = 2000;
/** Jobs travel to the worker in batches as the main thread reads, so parsing starts early. */
const BATCH = 32;

/**
 * Read and prefilter the source files on disk now, on this thread (ripgrep's half of the work:
 * open, read, a keyword test). The few files that pass are parsed in a worker thread meanwhile for a
 * large tree (the main thread goes on with the env, compose and config files), else in finish().
 */
export function startCodeScan(spec: CodeScanSpec, options: { workerFrom?: number } = {}): CodeScan {
  const workerFrom = options.workerFrom ?? WORKER_FROM_JOBS;
  const canShare = availableParallelism() > 1;
  const reader =
    spec.paths.length > 0 ? new DiskReader(spec.root, spec.maxFileBytes, () => false) : undefined;
  const jobs: Job[] = [];
  const skipped: SkippedFile[] = [];
  let prefiltered = 0;
  let worker =
    canShare && spec.paths.length >= Math.max(workerFrom, WORKER_AT_ONCE_FROM_FILES)
      ? new ParseWorker()
      : undefined;
  let sent = 0;
  try {
    for (const entry of spec.paths) {
      // Code documents carry no git status, so no .gitignore matching here.
      const file = reader?.read(entry.path, entry.regular) ?? "unreadable";
      if (typeof file === "string") {
        skipped.push({ path: entry.path, reason: file });
        continue;
      }
      const job = prepareSource(file, spec.routes);
      if (!job) {
        prefiltered++;
        continue;
      }
      jobs.push(job);
      // The worker starts once the tree has shown enough to parse; it loads its grammars meanwhile.
      if (!worker && canShare && jobs.length >= workerFrom) worker = new ParseWorker();
      if (worker && jobs.length - sent >= BATCH) {
        worker.send(jobs.slice(sent));
        sent = jobs.length;
      }
    }
  } catch (err) {
    // A worker waiting for `done` would keep the process alive after the error.
    worker?.stop();
    throw err;
  }
  if (worker && sent < jobs.length) worker.send(jobs.slice(sent));
  const fromWorker = worker?.results();
  // Files read (a skipped read is no candidate for the prefilter or the parser).
  const read = spec.paths.length - skipped.length;
  return {
    async finish(inMemory = []) {
      const outcomes: SourceOutcome[] = [];
      let parseMs = 0;
      const local = async (list: readonly Job[]) => {
        const began = performance.now();
        for (const job of list) outcomes.push(await analyseJob(job));
        parseMs += performance.now() - began;
      };
      const more: Job[] = [];
      for (const file of inMemory) {
        const job = prepareSource(file, spec.routes);
        if (job) more.push(job);
        else prefiltered++;
      }
      await local(more);
      const theirs = fromWorker ? await fromWorker.catch(() => undefined) : undefined;
      if (theirs) {
        outcomes.push(...theirs.outcomes);
        parseMs += theirs.parseMs;
      } else {
        // No worker, or it failed: parse here, so that no file is lost.
        await local(jobs);
      }
      return collect(outcomes, jobs.concat(more), skipped, {
        candidates: read + inMemory.length,
        prefiltered,
        parseMs: Math.round(parseMs),
        threads: theirs ? 2 : 1,
      });
    },
  };
}

/** The parse worker, fed batches of jobs; its one answer comes after `done`. */
class ParseWorker {
  private readonly worker = new Worker(new URL("./worker.js", import.meta.url));
  private failed = false;
  private readonly answer: Promise<Exclude<FromWorker, { failed: string }>>;
  constructor() {
    this.answer = new Promise((resolve, reject) => {
      this.worker.once("message", (got: FromWorker) => {
        void this.worker.terminate();
        if ("failed" in got) reject(new Error(got.failed));
        else resolve(got);
      });
      const fail = (why: string) => {
        this.failed = true;
        reject(new Error(why));
      };
      this.worker.once("error", (err) => fail(`the parse worker failed: ${err.message}`));
      // An exit before the answer (out of memory, terminated): the main thread parses instead.
      this.worker.once("exit", () => fail("the parse worker exited early"));
    });
    // Settled before anyone awaits it (a worker that fails to start): not an unhandled rejection.
    this.answer.catch(() => undefined);
  }
  send(jobs: Job[]): void {
    if (!this.failed) this.worker.postMessage({ jobs } satisfies ToWorker);
  }
  stop(): void {
    this.failed = true;
    void this.worker.terminate();
  }
  results(): Promise<Exclude<FromWorker, { failed: string }>> {
    if (!this.failed) this.worker.postMessage({ done: true } satisfies ToWorker);
    return this.answer;
  }
}

function collect(
  outcomes: readonly SourceOutcome[],
  jobs: readonly Job[],
  readSkipped: readonly SkippedFile[],
  stats: Omit<CodeStats, "parsed">,
): CodeScanResult {
  const texts = new Map(jobs.map((j) => [j.path, j.text]));
  const docs: CodeDocument[] = [];
  const skipped = [...readSkipped];
  for (const o of outcomes) {
    if (o.kind === "skipped") skipped.push({ path: o.path, reason: o.reason });
    else docs.push({ ...o, lines: (texts.get(o.path) ?? "").split(/\r\n|\r|\n/) });
  }
  docs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { docs, skipped, stats: { ...stats, parsed: docs.length } };
}

/** Analyse source files held in memory on this thread (the rule tester's way in); skipped files are added to `skipped`. */
export async function parseCode(
  files: readonly ProjectFile[],
  skipped: SkippedFile[],
  options: { routes?: boolean } = {},
): Promise<{ docs: CodeDocument[]; stats: CodeStats }> {
  const scan = startCodeScan({ root: ".", maxFileBytes: 0, routes: options.routes ?? false, paths: [] });
  const result = await scan.finish(files);
  skipped.push(...result.skipped);
  return { docs: result.docs, stats: result.stats };
}
