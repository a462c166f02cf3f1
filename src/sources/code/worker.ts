import { parentPort, workerData } from "node:worker_threads";
import { PROVIDER_SECRET_IN_TEXT } from "../../predicates/secrets.js";
import { type CodeFacts, extractFacts, FRAMEWORK_CONFIG } from "./facts.js";
import { type Lang, parserFor } from "./tree-sitter.js";

// A parse worker: takes a batch of source files, returns their facts (plain data) or why a file
// could not be parsed. Started by parseCode when there are enough files to share out.

export interface Job {
  path: string;
  lang: Lang;
  text: string;
  /** Only key-shaped string literals are wanted (the file passed the prefilter on those alone). */
  literalsOnly?: boolean;
  /** For a large file: only these parts are parsed (see hintWindows). */
  windows?: Array<{ startLine: number; text: string }>;
}

export type WorkerResult = { path: string; facts: CodeFacts } | { path: string; error: string };

async function run(jobs: Job[]): Promise<WorkerResult[]> {
  const out: WorkerResult[] = [];
  for (const job of jobs) out.push(await parseOne(job));
  return out;
}

export async function parseOne(job: Job): Promise<WorkerResult> {
  const config = FRAMEWORK_CONFIG.test(job.path);
  const { windows } = job;
  if (!windows) return parseText(job, job.text, 0, config);
  // A large file: parse the statements around its hints, each on its own, at its own line.
  const facts: CodeFacts = {
    literals: [],
    configs: [],
    calls: [],
    assigns: [],
    envDefaults: [],
    compares: [],
    routes: [],
  };
  for (const w of windows) {
    const got = await parseText(job, w.text, w.startLine - 1, false);
    if ("error" in got) continue; // a window cut mid-construct: the rest of the file still counts
    for (const key of Object.keys(facts) as Array<keyof CodeFacts>) {
      (facts[key] as Array<unknown>).push(...got.facts[key]);
    }
  }
  return { path: job.path, facts };
}

async function parseText(job: Job, text: string, lineOffset: number, config: boolean): Promise<WorkerResult> {
  try {
    const parser = await parserFor(job.lang);
    const tree = parser.parse(text);
    if (!tree) return { path: job.path, error: `could not be parsed as ${job.lang}` };
    try {
      if (tree.rootNode.hasError && tree.rootNode.descendantsOfType("ERROR").length > 20) {
        return { path: job.path, error: `does not parse as ${job.lang}` };
      }
      const facts = extractFacts(tree.rootNode, job.lang, {
        config,
        literals: PROVIDER_SECRET_IN_TEXT.test(text),
        literalsOnly: job.literalsOnly,
      });
      if (lineOffset > 0) {
        for (const list of Object.values(facts) as Array<Array<{ line: number }>>)
          for (const fact of list) fact.line += lineOffset;
      }
      return { path: job.path, facts };
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
