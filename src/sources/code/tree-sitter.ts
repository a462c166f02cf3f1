import { createRequire } from "node:module";
import path from "node:path";
import type * as TreeSitter from "@vscode/tree-sitter-wasm";

// web-tree-sitter and its grammars as WebAssembly (no native build), from VS Code's package so the
// runtime and the grammars share one ABI. Loaded on first use only: a tree without code that
// passes the keyword prefilter never pays for it.

const require = createRequire(import.meta.url);
const WASM_DIR = path.dirname(require.resolve("@vscode/tree-sitter-wasm/wasm/tree-sitter.js"));

export const LANGS = ["python", "javascript", "typescript", "tsx"] as const;
export type Lang = (typeof LANGS)[number];

let runtime: Promise<typeof TreeSitter> | undefined;
const languages = new Map<Lang, Promise<TreeSitter.Language>>();
const parsers = new Map<Lang, TreeSitter.Parser>();

async function loadRuntime(): Promise<typeof TreeSitter> {
  const ts = require("@vscode/tree-sitter-wasm/wasm/tree-sitter.js") as typeof TreeSitter;
  await ts.Parser.init({ locateFile: (file: string) => path.join(WASM_DIR, file) });
  return ts;
}

/** One parser per language for the whole run. */
export async function parserFor(lang: Lang): Promise<TreeSitter.Parser> {
  const cached = parsers.get(lang);
  if (cached) return cached;
  runtime ??= loadRuntime();
  const ts = await runtime;
  let language = languages.get(lang);
  if (!language) {
    language = ts.Language.load(path.join(WASM_DIR, `tree-sitter-${lang}.wasm`));
    languages.set(lang, language);
  }
  const parser = new ts.Parser();
  parser.setLanguage(await language);
  parsers.set(lang, parser);
  return parser;
}

export function langOf(name: string): Lang | undefined {
  if (/\.py$/.test(name)) return "python";
  if (/\.(js|mjs|cjs|jsx)$/.test(name)) return "javascript";
  if (/\.tsx$/.test(name)) return "tsx";
  if (/\.(ts|mts|cts)$/.test(name) && !/\.d\.ts$/.test(name)) return "typescript";
  return undefined;
}

export type SyntaxNode = TreeSitter.Node;

/** The query that picks what the code rules read: calls by name, comparisons, settings, main guards. */
export function querySource(
  language: TreeSitter.Language,
  lang: Lang,
  callNames: readonly string[],
): TreeSitter.Query {
  const names = `"^(${callNames.join("|")})$"`;
  const source =
    lang === "python"
      ? `(call function: [(identifier) @fn (attribute attribute: (identifier) @fn)] (#match? @fn ${names})) @call
         (comparison_operator) @cmp
         (module (expression_statement (assignment left: (identifier) right: (_)) @assign))
         (if_statement) @if`
      : `(call_expression function: [(identifier) @fn (member_expression property: (property_identifier) @fn)] (#match? @fn ${names})) @call
         (new_expression constructor: [(identifier) @fn (member_expression property: (property_identifier) @fn)] (#match? @fn ${names})) @call
         (binary_expression operator: ["==" "!=" "===" "!==" "||" "??"]) @cmp`;
  const ts = require("@vscode/tree-sitter-wasm/wasm/tree-sitter.js") as typeof TreeSitter;
  return new ts.Query(language, source);
}
