import type { Lang, SyntaxNode } from "./tree-sitter.js";

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
  const visit = (n: SyntaxNode, inMain: boolean, depth: number): void => {
    if (depth > 400) return;
    const here = inMain || mainGuard(n);
    if (n.type === "call" || n.type === "call_expression" || n.type === "new_expression") call(n, here);
    else if (py && n.type === "assignment" && n.parent?.parent?.type === "module") {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      if (left?.type === "identifier" && right)
        facts.assigns.push({ name: left.text, value: render(right), ...pos(n) });
    } else if (n.type === "comparison_operator" || n.type === "binary_expression") compare(n);
    for (const c of n.namedChildren) if (c) visit(c, here, depth + 1);
  };
  const call = (n: SyntaxNode, inMain: boolean) => {
    const fn = n.childForFieldName("function") ?? n.childForFieldName("constructor");
    const argList = n.childForFieldName("arguments");
    if (!fn) return;
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
    const children = n.children.filter((c): c is SyntaxNode => c !== null);
    const op = children.find((c) => !c.isNamed)?.text ?? "";
    const [left, right] = n.namedChildren.filter((c): c is SyntaxNode => c !== null);
    if (!left || !right) return;
    if (["==", "!=", "===", "!=="].includes(op))
      facts.compares.push({ left: left.text, right: right.text, op, ...pos(n) });
    // process.env.KEY || "default" / process.env.KEY ?? "default"
    if (!py && (op === "||" || op === "??") && right.type === "string") {
      const m = /^process\.env(?:\.([A-Za-z_]\w*)|\[["']([A-Za-z_]\w*)["']\])$/.exec(left.text);
      if (m) facts.envDefaults.push({ key: m[1] ?? m[2] ?? "", fallback: render(right), ...pos(n) });
    }
  };
  visit(root, false, 0);
  return facts;
}
