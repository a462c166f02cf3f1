import type * as TreeSitter from "@vscode/tree-sitter-wasm";
import { providerSecret } from "../../predicates/secrets.js";
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

/** A route the app declares: `@app.post("/generate")`, `router.get("/items/:id", auth, handler)`. */
export interface RouteFact extends Pos {
  method: string;
  path: string;
  /** An auth dependency or middleware is attached to this route (or to every route of its app/router). */
  guarded: boolean;
}

/** A setting in a framework config object (`vite.config.ts`, `next.config.js`): `server.host: true`. */
export interface ConfigFact extends Pos {
  /** Dotted path from the exported object: `server.host`, `env.STRIPE_SECRET_KEY`. */
  path: string;
  value: string;
  /** Syntax node type of the value: `string`, `true`, `member_expression`... */
  valueType: string;
}

/** Framework configs whose object literal is read setting by setting. */
export const FRAMEWORK_CONFIG = /(^|\/)(next|vite|nuxt|astro|svelte|remix)\.config\.[cm]?[jt]s$/;

/** A string literal in a provider key's format (only collected in files whose text has one). */
export interface LiteralFact extends Pos {
  value: string;
}

export interface CodeFacts {
  literals: LiteralFact[];
  configs: ConfigFact[];
  calls: CallFact[];
  assigns: AssignFact[];
  envDefaults: EnvDefaultFact[];
  compares: CompareFact[];
  routes: RouteFact[];
}

const ROUTE_METHODS = /^(get|post|put|patch|delete|head|options|all|route|api_route|websocket)$/;
/** Names of dependencies and middleware that authenticate (FastAPI Depends, Express middleware, Fastify hooks). */
export const AUTH_GUARD =
  /\b(Depends|Security)\(\s*[\w.]*(auth|api_?key|token|verify|current_user|require|credential|bearer|jwt|login|permission|protect)|(?<![\w.])(auth|authenticate\w*|authorize\w*|requireAuth\w*|require_auth\w*|verifyToken|verify_?api_?key|checkApiKey|apiKeyAuth|jwtAuth|verifyJwt|passport\.authenticate|ensureLoggedIn|ensureAuthenticated|isAuthenticated|login_required|requires_auth|protect(ed)?Route)\b/;

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
  // routes and what guards them
  "route",
  "api_route",
  "all",
  "options",
  "use",
  "FastAPI",
  "APIRouter",
  "Blueprint",
  // cookies, static files and error responses
  "set_cookie",
  "cookie",
  "static",
  "send",
  "json",
  "end",
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

/** The settings of a framework config: every `key: value` pair, by its dotted path. */
function configFacts(root: SyntaxNode): ConfigFact[] {
  const out: ConfigFact[] = [];
  for (const pair of root.descendantsOfType("pair")) {
    if (!pair) continue;
    const value = pair.childForFieldName("value");
    const keys: string[] = [];
    // Walk up through nested object literals: { server: { host: true } } -> server.host
    for (let p: SyntaxNode | null = pair; p; p = p.parent?.parent ?? null) {
      if (p.type !== "pair") break;
      keys.unshift(render(p.childForFieldName("key")));
      if (p.parent?.type !== "object") break;
    }
    if (!value || value.type === "object") continue;
    out.push({ path: keys.join("."), value: render(value), valueType: value.type, ...pos(pair) });
  }
  return out;
}

/** String literals that hold a provider key: strings only, so a key in a comment is never one. */
function keyLiterals(root: SyntaxNode): LiteralFact[] {
  const out: LiteralFact[] = [];
  for (const n of root.descendantsOfType(["string", "template_string"])) {
    if (!n) continue;
    const value = render(n);
    if (value.length >= 16 && value.length <= 4096 && providerSecret(value)) out.push({ value, ...pos(n) });
  }
  return out;
}

export function extractFacts(
  root: SyntaxNode,
  lang: Lang,
  options: { config?: boolean; literals?: boolean; literalsOnly?: boolean } = {},
): CodeFacts {
  const facts: CodeFacts = {
    literals: options.literals ? keyLiterals(root) : [],
    configs: options.config && lang !== "python" ? configFacts(root) : [],
    calls: [],
    assigns: [],
    envDefaults: [],
    compares: [],
    routes: [],
  };
  /** Variables holding an app or router every route of which is guarded (`APIRouter(dependencies=[Depends(auth)])`). */
  const guardedApps = new Set<string>();
  /** Router prefixes declared in this file (`router = APIRouter(prefix="/api")`). */
  const prefixes = new Map<string, string>();
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
    route(n, fn.text, args, kwargs, argList);
    // os.getenv("KEY", "default") / os.environ.get("KEY", "default")
    if (py && /^(os\.getenv|os\.environ\.get|environ\.get|getenv)$/.test(fn.text) && args.length >= 2) {
      const defaultNode = argList?.namedChildren.filter((c) => c && c.type !== "comment")[1];
      if (defaultNode?.type === "string")
        facts.envDefaults.push({ key: args[0] ?? "", fallback: args[1] ?? "", ...pos(n) });
    }
  };
  const route = (
    n: SyntaxNode,
    callee: string,
    args: string[],
    kwargs: Record<string, string>,
    argList: SyntaxNode | null,
  ) => {
    const dot = callee.lastIndexOf(".");
    const owner = dot > 0 ? callee.slice(0, dot) : "";
    const name = callee.slice(dot + 1);
    // The variable an app or router is assigned to: `router = APIRouter(...)`, `const app = express()`.
    const assignedTo = (): string | undefined => {
      const parent = n.parent;
      if (parent?.type === "assignment") return parent.childForFieldName("left")?.text;
      if (parent?.type === "variable_declarator") return parent.childForFieldName("name")?.text;
      return undefined;
    };
    if (name === "FastAPI" || name === "APIRouter" || name === "Blueprint") {
      const variable = assignedTo();
      if (!variable) return;
      if (AUTH_GUARD.test(kwargs.dependencies ?? "")) guardedApps.add(variable);
      const prefix = kwargs.prefix ?? kwargs.url_prefix;
      if (prefix?.startsWith("/")) prefixes.set(variable, prefix.replace(/\/$/, ""));
      return;
    }
    if (name === "use" && owner) {
      // app.use(requireAuth) with no path guards every route declared after it on that app.
      const first = argList?.namedChildren.find((c) => c && c.type !== "comment");
      if (first && !/^["'`]/.test(first.text) && AUTH_GUARD.test(first.text)) guardedApps.add(owner);
      return;
    }
    // One leading slash: `//host/x` or `/\\host` would resolve to another origin.
    if (!ROUTE_METHODS.test(name) || !owner || !/^\/(?![/\\])/.test(args[0] ?? "")) return;
    let method = name === "route" || name === "api_route" || name === "all" ? "GET" : name.toUpperCase();
    const methods = kwargs.methods;
    if (methods) method = (/[A-Za-z]+/.exec(methods)?.[0] ?? "GET").toUpperCase();
    let guarded = guardedApps.has(owner) || AUTH_GUARD.test(kwargs.dependencies ?? "");
    if (py) {
      // The decorated function's parameters: `api_key: str = Depends(verify_api_key)`.
      const decorated = n.parent?.type === "decorator" ? n.parent.parent : null;
      const params = decorated?.childForFieldName("definition")?.childForFieldName("parameters")?.text ?? "";
      guarded ||= AUTH_GUARD.test(params);
      // Flask-Login and friends stack another decorator: `@login_required`.
      // (Not the route's own decorator: `@app.get("/authors")` guards nothing.)
      guarded ||= (decorated?.namedChildren ?? []).some(
        (d) => d?.type === "decorator" && d.id !== n.parent?.id && AUTH_GUARD.test(d.text),
      );
    } else {
      // Middleware between the path and the handler, or a Fastify preHandler/onRequest hook.
      const middle = (argList?.namedChildren ?? []).filter((c) => c && c.type !== "comment").slice(1, -1);
      guarded ||= middle.some((m) => m !== null && AUTH_GUARD.test(m.text));
      guarded ||= AUTH_GUARD.test(`${kwargs.preHandler ?? ""} ${kwargs.onRequest ?? ""}`);
    }
    const path = `${prefixes.get(owner) ?? ""}${args[0]}`;
    facts.routes.push({ method, path, guarded, ...pos(n) });
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
  // A file read only for its key-shaped strings has nothing else a rule could match.
  if (options.literalsOnly) return facts;
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
