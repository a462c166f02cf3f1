import type { SkippedFile, Subject } from "../engine/types.js";
import { type CodeStats, parseCode } from "./code/index.js";
import { codeSubjects } from "./code/subjects.js";
import { fileSourceSubjects } from "./file-sources.js";
import type { Project } from "./project.js";
import { staticSubjects } from "./subjects.js";

/** Every subject the static sources produce for a project: env, compose and code. */
export async function projectSubjects(
  project: Project,
  skipped: SkippedFile[],
): Promise<{ subjects: Subject[]; code: CodeStats }> {
  const { docs, stats } = await parseCode(project.sourceFiles, skipped);
  return {
    subjects: [...staticSubjects(project), ...fileSourceSubjects(project, skipped), ...codeSubjects(docs)],
    code: stats,
  };
}
