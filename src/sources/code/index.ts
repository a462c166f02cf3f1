import type { SkippedFile } from "../../engine/types.js";
import type { ProjectFile } from "../files.js";
import { type CodeFacts, extractFacts } from "./facts.js";
import { type Lang, langOf, parserFor } from "./tree-sitter.js";

export interface CodeDocument {
  path: string;
  lang: Lang;
  facts: CodeFacts;
  lines: readonly string[];
}

/**
 * The keyword prefilter (gitleaks' and Semgrep's trick): a source file is parsed only if it
 * mentions something a code rule can match. Most of a large repository is never parsed.
 */
const CODE_HINTS = new RegExp(
  [
    "CORSMiddleware|allow_origins|CORS_ALLOW|CORS_ORIGIN_ALLOW|ALLOWED_HOSTS|^DEBUG\\s*=|^bind\\s*=",
    "host\\s*=\\s*[\"'(]|run\\([^)]*debug|\\.listen\\(|\\bcors\\(|[sS]ession\\(",
    "verify\\s*=\\s*False|rejectUnauthorized",
    // env lookups with a default, for names a rule cares about (secrets, hosts)
    "(getenv|environ\\.get)\\(\\s*[\"'][\\w]*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)[\\w]*[\"']\\s*,",
    "process\\.env\\.\\w*(KEY|SECRET|TOKEN|PASS|PWD|HOST|CREDENTIAL)\\w*\\s*(\\|\\||\\?\\?)",
    // a secret-named value next to an equality operator (code-secret-compare)
    "(api_?key|secret|token|password)[\\w.'\"\\])]*\\s*[!=]==?|[!=]==?\\s*[\\w.\\[]*(api_?key|secret|token|password)",
  ].join("|"),
  "im",
);

export function isCodeCandidate(name: string): boolean {
  return langOf(name) !== undefined;
}

export function passesPrefilter(text: string): boolean {
  return CODE_HINTS.test(text);
}

export interface CodeStats {
  candidates: number;
  parsed: number;
  prefiltered: number;
  parseMs: number;
}

/** Parse the candidate source files that pass the prefilter; a file that fails to parse is skipped with the reason. */
export async function parseCode(
  files: readonly ProjectFile[],
  skipped: SkippedFile[],
): Promise<{ docs: CodeDocument[]; stats: CodeStats }> {
  const started = performance.now();
  const docs: CodeDocument[] = [];
  let prefiltered = 0;
  for (const file of files) {
    const lang = langOf(file.path);
    if (!lang) continue;
    if (!passesPrefilter(file.text)) {
      prefiltered++;
      continue;
    }
    // A minified bundle is not source: issue #5's bundle scan reads those.
    if (file.text.length > 20_000 && file.text.split("\n", 20).some((l) => l.length > 5_000)) {
      skipped.push({ path: file.path, reason: "minified file: not parsed as source" });
      continue;
    }
    try {
      const parser = await parserFor(lang);
      const tree = parser.parse(file.text);
      if (!tree) throw new Error("no tree");
      if (tree.rootNode.hasError && tree.rootNode.descendantsOfType("ERROR").length > 20) {
        skipped.push({ path: file.path, reason: `does not parse as ${lang}` });
        tree.delete();
        continue;
      }
      docs.push({
        path: file.path,
        lang,
        facts: extractFacts(tree.rootNode, lang),
        lines: file.text.split(/\r\n|\r|\n/),
      });
      tree.delete();
    } catch (err) {
      skipped.push({ path: file.path, reason: `could not be parsed as ${lang} (${(err as Error).message})` });
    }
  }
  return {
    docs,
    stats: {
      candidates: files.length,
      parsed: docs.length,
      prefiltered,
      parseMs: Math.round(performance.now() - started),
    },
  };
}
