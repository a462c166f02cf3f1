import type { SkippedFile, Subject } from "../engine/types.js";
import { type CodeStats, parseCode } from "./code/index.js";
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
  const parsed = await parseCode(project.sourceFiles, skipped, options);
  const { docs } = parsed;
  // Files the disk loader already passed over count as candidates the prefilter skipped.
  const stats = {
    ...parsed.stats,
    candidates: parsed.stats.candidates + project.codePrefiltered,
    prefiltered: parsed.stats.prefiltered + project.codePrefiltered,
  };
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
    subjects: [...staticSubjects(project), ...fileSourceSubjects(project, skipped), ...codeSubjects(docs)],
    code: stats,
  };
}
