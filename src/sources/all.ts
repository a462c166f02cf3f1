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

/** The code's subjects, with the parse figures and the routes the source declares. */
export interface CodeSubjects {
  subjects: Subject[];
  code: CodeStats;
  routes: DeclaredRoute[];
}

/**
 * Every subject the static sources produce for a project, in two stages: the env, compose and
 * file sources' subjects at once, the code's when parsing is done (a worker may still be on it,
 * and the caller can match rules against the others meanwhile).
 */
export function stagedProjectSubjects(
  project: Project,
  skipped: SkippedFile[],
  options: { routes?: boolean } = {},
): { others: Subject[]; code: Promise<CodeSubjects> } {
  const others = [...staticSubjects(project), ...fileSourceSubjects(project, skipped)];
  const scan =
    project.codeScan ??
    startCodeScan({ root: project.root, maxFileBytes: 0, routes: options.routes ?? false, paths: [] });
  const code = scan.finish(project.sourceFiles).then((result): CodeSubjects => {
    skipped.push(...result.skipped);
    const { docs, stats } = result;
    const routes = docs.flatMap((d) =>
      d.facts.routes.map((r) => ({
        method: r.method,
        path: r.path,
        guarded: r.guarded,
        file: d.path,
        line: r.line,
      })),
    );
    return { routes, subjects: codeSubjects(docs), code: stats };
  });
  // Handled here too: a caller that fails before awaiting it must not turn this into an unhandled rejection.
  code.catch(() => undefined);
  return { others, code };
}

/** Every subject the static sources produce for a project: env, compose, config files and code. */
export async function projectSubjects(
  project: Project,
  skipped: SkippedFile[],
  options: { routes?: boolean } = {},
): Promise<CodeSubjects> {
  const { others, code } = stagedProjectSubjects(project, skipped, options);
  const found = await code;
  return { ...found, subjects: [...others, ...found.subjects] };
}
