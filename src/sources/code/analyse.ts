import { mentionsProviderSecret } from "../../predicates/secrets.js";
import type { ProjectFile } from "../files.js";
import { type CodeFacts, extractFacts, FRAMEWORK_CONFIG } from "./facts.js";
import { hintWindows, prefilter, WINDOWED_BYTES } from "./hints.js";
import { LANGS, type Lang, langOf, parserFor } from "./tree-sitter.js";

// One source file, from its text to the facts the code rules match, in two steps: prepareSource
// (the keyword prefilter: cheap, wherever the file was read) and analyseJob (windows of a large file,
// then the parse: in the code scan's worker for a large tree).

export interface Job {
  path: string;
  lang: Lang;
  /** The whole text (lines for the report and the windows are taken from it). */
  text: string;
  /** Why it passed the prefilter: "keys" means only key-shaped string literals are wanted. */
  why: "code" | "keys";
  /** Route declarations are wanted (`scan --url`). */
  routes: boolean;
}

/** What became of one source file. */
export type SourceOutcome =
  | { kind: "parsed"; path: string; lang: Lang; facts: CodeFacts }
  | { kind: "skipped"; path: string; reason: string };

/** A job for analyseJob, or undefined when the prefilter passes the file over. */
export function prepareSource(file: ProjectFile, routes: boolean): Job | undefined {
  const lang = langOf(file.path);
  const why = lang && prefilter(file.text, routes, file.path);
  return lang && why ? { path: file.path, lang, text: file.text, why, routes } : undefined;
}

export async function analyseJob(job: Job): Promise<SourceOutcome> {
  try {
    return await analyse(job);
  } catch (err) {
    // A bug in the windows or the facts must cost this one file, never the scan (or the worker).
    return { kind: "skipped", path: job.path, reason: `could not be analysed (${(err as Error).message})` };
  }
}

async function analyse(job: Job): Promise<SourceOutcome> {
  const { text, path, lang, why } = job;
  // A minified bundle is not source: the bundle scan reads those.
  if (text.length > 20_000 && text.split(/\r\n|\r|\n/, 20).some((l) => l.length > 5_000))
    return { kind: "skipped", path, reason: "minified file: not parsed as source" };
  const windows =
    why === "keys"
      ? hintWindows(text, false, true)
      : text.length > WINDOWED_BYTES && !FRAMEWORK_CONFIG.test(path)
        ? hintWindows(text, job.routes)
        : undefined;
  const got = await parseOne(job, windows);
  return "error" in got
    ? { kind: "skipped", path, reason: got.error }
    : { kind: "parsed", path, lang, facts: got.facts };
}

type ParseResult = { facts: CodeFacts } | { error: string };

async function parseOne(
  job: Job,
  /** For a large file: only these parts are parsed (see hintWindows). */
  windows: Array<{ startLine: number; text: string }> | undefined,
): Promise<ParseResult> {
  const config = FRAMEWORK_CONFIG.test(job.path);
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
  return { facts };
}

async function parseText(job: Job, text: string, lineOffset: number, config: boolean): Promise<ParseResult> {
  try {
    const parser = await parserFor(job.lang);
    const tree = parser.parse(text);
    if (!tree) return { error: `could not be parsed as ${job.lang}` };
    try {
      if (tree.rootNode.hasError && tree.rootNode.descendantsOfType("ERROR").length > 20) {
        return { error: `does not parse as ${job.lang}` };
      }
      const facts = extractFacts(tree.rootNode, job.lang, {
        config,
        literals: mentionsProviderSecret(text),
        literalsOnly: job.why === "keys",
      });
      if (lineOffset > 0) {
        for (const list of Object.values(facts) as Array<Array<{ line: number }>>)
          for (const fact of list) fact.line += lineOffset;
      }
      return { facts };
    } finally {
      tree.delete();
    }
  } catch (err) {
    return { error: `could not be parsed as ${job.lang} (${(err as Error).message})` };
  }
}

/** Load every grammar and compile every query before the first file arrives (the worker's idle start). */
export async function warmUp(): Promise<void> {
  for (const lang of LANGS)
    await parseText({ path: "", lang, text: "", why: "code", routes: false }, "x", 0, false);
}
