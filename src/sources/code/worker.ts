import { parentPort } from "node:worker_threads";
import { analyseJob, type Job, type SourceOutcome, warmUp } from "./analyse.js";

// The code scan's parse worker: loads the grammars while the main thread walks and reads, parses
// each batch of jobs as it arrives, and posts every outcome (plain data) once told there are no more.

export type ToWorker = { jobs: Job[] } | { done: true };
export type FromWorker = { outcomes: SourceOutcome[]; parseMs: number } | { failed: string };

if (parentPort) {
  const port = parentPort;
  const outcomes: SourceOutcome[] = [];
  let parseMs = 0;
  let failure: string | undefined;
  // Messages are handled one after another: each waits for the one before it (and for the warm-up).
  let chain: Promise<void> = warmUp();
  // A failed warm-up is not fatal: each job then fails on its own, with its reason.
  chain = chain.catch(() => undefined);
  port.on("message", (message: ToWorker) => {
    chain = chain
      .then(async () => {
        if ("done" in message) return;
        for (const job of message.jobs) {
          const began = performance.now();
          outcomes.push(await analyseJob(job));
          parseMs += performance.now() - began;
        }
      })
      // Whatever happened to a batch, `done` must still get its answer: the main thread waits for it.
      .catch((err: unknown) => {
        failure ??= err instanceof Error ? err.message : String(err);
      })
      .then(() => {
        if (!("done" in message)) return;
        // A batch lost to an unexpected error: the main thread then parses everything itself.
        port.postMessage(
          (failure === undefined ? { outcomes, parseMs } : { failed: failure }) satisfies FromWorker,
        );
        port.close();
      });
  });
}
