import { parentPort } from "node:worker_threads";
import { analyseJob, type Job, type SourceOutcome, warmUp } from "./analyse.js";

// The code scan's parse worker: loads the grammars while the main thread walks and reads, parses
// each batch of jobs as it arrives, and posts every outcome (plain data) once told there are no more.

export type ToWorker = { jobs: Job[] } | { done: true };
export interface FromWorker {
  outcomes: SourceOutcome[];
  parseMs: number;
}

if (parentPort) {
  const port = parentPort;
  const outcomes: SourceOutcome[] = [];
  let parseMs = 0;
  // Messages are handled one after another: each waits for the one before it (and for the warm-up).
  let chain: Promise<void> = warmUp();
  port.on("message", (message: ToWorker) => {
    chain = chain.then(async () => {
      if ("done" in message) {
        port.postMessage({ outcomes, parseMs } satisfies FromWorker);
        port.close();
        return;
      }
      for (const job of message.jobs) {
        const began = performance.now();
        outcomes.push(await analyseJob(job));
        parseMs += performance.now() - began;
      }
    });
  });
}
