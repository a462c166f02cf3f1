import { parentPort, workerData } from "node:worker_threads";
import type { CodeFacts } from "./facts.js";
import { extractFacts, FRAMEWORK_CONFIG } from "./facts.js";
import { type Lang, parserFor } from "./tree-sitter.js";

// A parse worker: takes a batch of source files, returns their facts (plain data) or why a file
// could not be parsed. Started by parseCode when there are enough files to share out.

interface Job {
  path: string;
  lang: Lang;
  text: string;
}

export type WorkerResult = { path: string; facts: CodeFacts } | { path: string; error: string };

async function run(jobs: Job[]): Promise<WorkerResult[]> {
  const out: WorkerResult[] = [];
  for (const job of jobs) out.push(await parseOne(job));
  return out;
}

export async function parseOne(job: Job): Promise<WorkerResult> {
  try {
    const parser = await parserFor(job.lang);
    const tree = parser.parse(job.text);
    if (!tree) return { path: job.path, error: `could not be parsed as ${job.lang}` };
    try {
      if (tree.rootNode.hasError && tree.rootNode.descendantsOfType("ERROR").length > 20) {
        return { path: job.path, error: `does not parse as ${job.lang}` };
      }
      return {
        path: job.path,
        facts: extractFacts(tree.rootNode, job.lang, { config: FRAMEWORK_CONFIG.test(job.path) }),
      };
    } finally {
      tree.delete();
    }
  } catch (err) {
    return { path: job.path, error: `could not be parsed as ${job.lang} (${(err as Error).message})` };
  }
}

if (parentPort && workerData) {
  const port = parentPort;
  run(workerData as Job[]).then((results) => port.postMessage(results));
}
