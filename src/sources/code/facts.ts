import type * as TreeSitter from "@vscode/tree-sitter-wasm";
import { type Lang, querySource, type SyntaxNode } from "./tree-sitter.js";

// What the code rules can match, read from the syntax tree (never from text): calls with their
// arguments, module-level assignments, env lookups with a literal default, and comparisons.
// A comment, a docstring or a string that merely contains code is never one of these.

export interface Pos {
  line: number;
  column: number;
}

export interface CallFact extends Pos {
  /** The called expression as written: `uvicorn.run`, `app.add_middleware`, `cors`. */
  callee: string;
  args: string[];
  /** Python keyword arguments, and the properties of JS object-literal arguments. */
  kwargs: Record<string, string>;
  /** The syntax node type of each keyword value: `string` is a literal, `identifier` is not. */
  kwTypes: Record<string, string>;
  /** Inside `if __name__ == "__main__":` (runs when the file is started on the host). */
  inMain: boolean;
}

export interface AssignFact extends Pos {
  name: string;
  value: string;
}

export interface EnvDefaultFact extends Pos {
  key: string;
  fallback: string;
}

export interface CompareFact extends Pos {
  left: string;
  right: string;
  op: string;
}

export interface CodeFacts {
  calls: CallFact[];
  assigns: AssignFact[];
  envDefaults: EnvDefaultFact[];
  compares: CompareFact[];
}

/**
 * The calls whose arguments are worth rendering (the code rules' vocabulary). Every other call is
 * skipped after reading its name, which keeps large code bases cheap. A rule about another
 * function adds its name here.
 */
export const CALL_NAMES = new Set([
  "add_middleware",
  "run",
  "run_simple",
  "run_app",
  "listen",
  "cors",
  "Cors",
  "fastifyCors",
  "CORS",
  "session",
  "cookieSession",
  "expressSession",
  "getenv",
  "get",
  "post",
  "put",
  "patch",
  "delete",
  "head",
  "request",
  "urlopen",
  "Agent",
  "Client",
  "AsyncClient",
  "Session",
  "createServer",
  "register",
]);

const queries = new Map<string, TreeSitter.Query>();
function queryFor(root: SyntaxNode, lang: Lang): TreeSitter.Query {
  let q = queries.get(lang);
  if (!q) {
    q = querySource(root.tree.language, lang, [...CALL_NAMES]);
    queries.set(lang, q);
  }
  return q;
}

const pos = (n: SyntaxNode): Pos => ({ line: n.startPosition.row + 1, column: n.startPosition.column + 1 });

/** A literal's value (strings unquoted, lists as JSON); anything else as its source text. */
export function render(n: SyntaxNode | null | undefined): string {
  if (!n) return "";
  switch (n.type) {
    case "string": {
      const parts = n.namedChildren.filter((c): c is SyntaxNode => c !== null);
      if (parts.some((c) => c.type === "interpolation" || c.type === "template_substitution")) return n.text;
      const content = parts.filter(
        (c) => c.type === "string_content" || c.type === "string_fragment" || c.type === "escape_sequence",
      );
      return content.map((c) => c.text).join("");
    }
    case "template_string":
      return n.namedChildren.some((c) => c?.type === "template_substitution") ? n.text : n.text.slice(1, -1);
    case "true":
    case "false":
      return n.type;
    case "none":
    case "null":
    case "undefined":
      return "null";
    case "list":
    case "array":
    case "tuple":
      return JSON.stringify(
        n.namedChildren
          .filter((c): c is SyntaxNode => c !== null && c.type !== "comment")
          .map((c) => render(c)),
      );
    case "parenthesized_expression":
      return render(n.namedChildren[0]);
    case "call": {
      // os.getenv("HOST", "0.0.0.0") means "0.0.0.0" unless someone sets HOST: the default is the value.
      const fn = n.childForFieldName("function")?.text ?? "";
      const args =
        n
          .childForFieldName("arguments")
          ?.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== "comment") ?? [];
      if (/^(os\.getenv|os\.environ\.get|getenv)$/.test(fn) && args[1]?.type === "string")
        return render(args[1]);
      return n.text.length > 300 ? `${n.text.slice(0, 300)}…` : n.text;
    }
    case "binary_expression": {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      const op = n.childForFieldName("operator")?.text;
      if (
        (op === "||" || op === "??") &&
        left &&
        /^process\.env\b/.test(left.text) &&
        right?.type === "string"
      )
        return render(right);
      return n.text.length > 300 ? `${n.text.slice(0, 300)}…` : n.text;
    }
    default:
      return n.text.length > 300 ? `${n.text.slice(0, 300)}…` : n.text;
  }
}

function mainGuard(n: SyntaxNode): boolean {
  if (n.type !== "if_statement") return false;
  const cond = n.childForFieldName("condition");
  return cond !== null && /__name__\s*==\s*["']__main__["']/.test(cond.text);
}

export function extractFacts(root: SyntaxNode, lang: Lang): CodeFacts {
  const facts: CodeFacts = { calls: [], assigns: [], envDefaults: [], compares: [] };
  const py = lang === "python";
  const call = (n: SyntaxNode, inMain: boolean) => {
    const fn = n.childForFieldName("function") ?? n.childForFieldName("constructor");
    if (!fn) return;
    const callee = fn.text;
    if (!CALL_NAMES.has(callee.slice(callee.lastIndexOf(".") + 1))) return;
    const argList = n.childForFieldName("arguments");
    const args: string[] = [];
    const kwargs: Record<string, string> = {};
    const kwTypes: Record<string, string> = {};
    for (const a of argList?.namedChildren ?? []) {
      if (!a || a.type === "comment") continue;
      if (a.type === "keyword_argument") {
        const name = a.childForFieldName("name")?.text;
        const value = a.childForFieldName("value");
        if (name) {
          kwargs[name] = render(value);
          kwTypes[name] = value?.type ?? "";
        }
        continue;
      }
      if (a.type === "object") {
        for (const p of a.namedChildren) {
          if (p?.type !== "pair") continue;
          const key = render(p.childForFieldName("key"));
          const value = p.childForFieldName("value");
          kwargs[key] = render(value);
          kwTypes[key] = value?.type ?? "";
        }
      }
      args.push(render(a));
    }
    facts.calls.push({ callee: fn.text, args, kwargs, kwTypes, inMain, ...pos(n) });
    // os.getenv("KEY", "default") / os.environ.get("KEY", "default")
    if (py && /^(os\.getenv|os\.environ\.get|environ\.get|getenv)$/.test(fn.text) && args.length >= 2) {
      const defaultNode = argList?.namedChildren.filter((c) => c && c.type !== "comment")[1];
      if (defaultNode?.type === "string")
        facts.envDefaults.push({ key: args[0] ?? "", fallback: args[1] ?? "", ...pos(n) });
    }
  };
  const compare = (n: SyntaxNode) => {
    // The operator first: most binary expressions (a + b) are of no interest.
    const opNode = n.childForFieldName("operator") ?? n.child(1);
    const op = opNode?.text ?? "";
    if (!["==", "!=", "===", "!==", "||", "??"].includes(op)) return;
    const left = n.childForFieldName("left") ?? n.namedChild(0);
    const right = n.childForFieldName("right") ?? n.namedChild(1);
    if (!left || !right) return;
    if (op !== "||" && op !== "??") {
      facts.compares.push({ left: left.text, right: right.text, op, ...pos(n) });
      return;
    }
    // process.env.KEY || "default" / process.env.KEY ?? "default"
    if (!py && right.type === "string") {
      const m = /^process\.env(?:\.([A-Za-z_]\w*)|\[["']([A-Za-z_]\w*)["']\])$/.exec(left.text);
      if (m) facts.envDefaults.push({ key: m[1] ?? m[2] ?? "", fallback: render(right), ...pos(n) });
    }
  };
  // A query finds the nodes of interest inside WebAssembly; only those cross into JS.
  const mainRanges: Array<[number, number]> = [];
  for (const { name, node } of queryFor(root, lang).captures(root)) {
    if (name === "if") {
      if (py && mainGuard(node)) mainRanges.push([node.startIndex, node.endIndex]);
    } else if (name === "call") {
      call(
        node,
        mainRanges.some(([a, b]) => node.startIndex >= a && node.endIndex <= b),
      );
    } else if (name === "cmp") {
      compare(node);
    } else if (name === "assign") {
      const left = node.childForFieldName("left");
      const right = node.childForFieldName("right");
      if (left && right) facts.assigns.push({ name: left.text, value: render(right), ...pos(node) });
    }
  }
  return facts;
}
