import type { SkippedFile, Subject } from "../engine/types.js";
import { type CodeStats, startCodeScan } from "./code/index.js";
import { codeSubjects } from "./code/subjects.js";
import { fileSourceSubjects } from "./file-sources.js";
import type { Project } from "./project.js";
import { staticSubjects } from "./subjects.js";

/** A route the scanned source declares: the document `scan --url` hands to the probe. */
export interface DeclaredRoute {
  method: string;
  path: string;
  guarded: boolean;
  file: string;
  line: number;
}

/** Every subject the static sources produce for a project: env, compose and code. */
export async function projectSubjects(
  project: Project,
  skipped: SkippedFile[],
  options: { routes?: boolean } = {},
): Promise<{ subjects: Subject[]; code: CodeStats; routes: DeclaredRoute[] }> {
  // The code scan of a project on disk is under way already (a worker may be on it): the other
  // sources' subjects are built first, then this thread joins the code scan.
  const others = [...staticSubjects(project), ...fileSourceSubjects(project, skipped)];
  const scan =
    project.codeScan ??
    startCodeScan({ root: project.root, maxFileBytes: 0, routes: options.routes ?? false, paths: [] });
  const code = await scan.finish(project.sourceFiles);
  skipped.push(...code.skipped);
  const { docs, stats } = code;
  const routes = docs.flatMap((d) =>
    d.facts.routes.map((r) => ({
      method: r.method,
      path: r.path,
      guarded: r.guarded,
      file: d.path,
      line: r.line,
    })),
  );
  return {
    routes,
    subjects: [...others, ...codeSubjects(docs)],
    code: stats,
  };
}
