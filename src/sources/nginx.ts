import type { FieldValue, Location, Subject } from "../engine/types.js";
import { isLocalHost, isLoopbackHost } from "../predicates/network.js";
import { isSecretName, providerSecret } from "../predicates/secrets.js";
import { fileRole } from "./env.js";
import { type FileSource, lineSubject, type SourceContext, splitLines } from "./file-source.js";
import type { ProjectFile } from "./files.js";
import { type NginxDirective, parseNginx, walkDirectives } from "./nginx-config.js";

// nginx configs as subjects: one `nginx-directive` per directive (with its block path and the
// server around it) and one `nginx-server` per http `server { }` block, with what a rule cannot
// work out from a single directive: TLS, the redirect to HTTPS, and the add_header set in effect
// (nginx inheritance: a level with any add_header of its own drops every inherited one).
//
// `include` is not expanded into the including file: every nginx file in the tree is scanned on its
// own. Includes are looked at only where the answer depends on them: an included file's add_headers
// count at the level that includes it, and a conf.d file's servers inherit the add_headers of the
// http block that includes conf.d/*.conf, when those files are in the scanned tree.

const NGINX_DIRS = new Set(["nginx", "conf.d", "sites-available", "sites-enabled", "http.d"]);

function isNginxName(name: string): boolean {
  return name === "nginx.conf" || name.endsWith(".nginx") || name.endsWith(".nginx.conf");
}

export function isNginxCandidate(relPath: string, name: string): boolean {
  if (isNginxName(name)) return true;
  const dirs = relPath.split("/").slice(0, -1);
  if (name.endsWith(".conf")) return dirs.some((d) => NGINX_DIRS.has(d));
  // Debian's sites-available/default and friends have no extension.
  const parent = dirs[dirs.length - 1] ?? "";
  return !name.includes(".") && (parent === "sites-available" || parent === "sites-enabled");
}

/**
 * A `.conf` found by its directory alone is nginx only if some line is a well-known nginx directive
 * ending in `;` or `{` (supervisord, redis and Apache configs under conf.d have none).
 */
const NGINX_STATEMENT =
  /^[ \t]*(?:(?:ssl|proxy|fastcgi|uwsgi|grpc|client|gzip|limit_req|limit_conn|keepalive|worker|access|error|add|auth|real_ip|set_real_ip)_\w+|server|http|events|stream|location|upstream|map|if|listen|server_name|root|index|include|user|pid|return|rewrite|try_files|autoindex|server_tokens|types|default_type|sendfile|tcp_nopush|alias|resolver|deny|allow|expires|charset)\b[^\n#]*[;{]/m;

/** Blocks whose body is data (map entries, MIME types, Lua), not directives. */
const DATA_BLOCKS = /^(map|types|geo|split_clients|charset_map|match|.*_by_lua_block)$/;
/** Blocks where add_header applies and inheritance happens. */
const HEADER_LEVELS = new Set(["http", "server", "location", "if"]);
/** Included files known to hold no add_header (distribution and certbot defaults). */
const HEADER_FREE_INCLUDE =
  /(^|\/)(mime\.types|proxy_params|fastcgi_params|fastcgi\.conf|uwsgi_params|scgi_params|koi-utf|koi-win|win-utf|options-ssl-nginx\.conf|ssl-dhparams\.pem)$|(^|\/)letsencrypt\/|(^|\/)modules-enabled\//;

interface ParsedFile {
  path: string;
  lines: string[];
  directives: NginxDirective[];
}

const parseCache = new WeakMap<ProjectFile, ParsedFile | string | null>();

/** A parsed nginx file, the reason it is malformed, or null when it is not nginx after all. */
function parseFile(file: ProjectFile): ParsedFile | string | null {
  const cached = parseCache.get(file);
  if (cached !== undefined) return cached;
  const name = file.path.slice(file.path.lastIndexOf("/") + 1);
  let result: ParsedFile | string | null;
  if (!isNginxName(name) && !NGINX_STATEMENT.test(file.text)) result = null;
  else {
    const parsed = parseNginx(file.text);
    result = Array.isArray(parsed)
      ? { path: file.path, lines: splitLines(file.text), directives: parsed }
      : // The report shows the path before the reason (`app.conf: nginx syntax error at line 4: ...`).
        `nginx syntax error at line ${parsed.line}: ${parsed.message}`;
  }
  parseCache.set(file, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The project's nginx files together: maps, `set`s and includes are resolved across them.

interface OriginGuard {
  op: string;
  pattern: string;
}
interface VariableSource {
  value: string;
  guards: OriginGuard[];
}
interface MapDefinition {
  source: string;
  entries: Array<{ key: string; value: string }>;
}

interface IncludingHttp {
  block: NginxDirective;
  from: string;
}

interface NginxProject {
  files: ParsedFile[];
  maps: Map<string, MapDefinition[]>;
  sets: Map<string, VariableSource[]>;
  /** Per file: the http block that includes it (cached; undefined when none is in the tree). */
  includers: Map<string, IncludingHttp | undefined>;
}

const projects = new WeakMap<ReadonlyMap<string, ProjectFile>, NginxProject>();

function nginxProject(context: SourceContext): NginxProject {
  let project = projects.get(context.files);
  if (project) return project;
  project = { files: [], maps: new Map(), sets: new Map(), includers: new Map() };
  for (const file of context.files.values()) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    if (!isNginxCandidate(file.path, name)) continue;
    const parsed = parseFile(file);
    if (parsed === null || typeof parsed === "string") continue;
    project.files.push(parsed);
    for (const { directive, ancestors } of walkDirectives(parsed.directives)) {
      if (ancestors.some((a) => DATA_BLOCKS.test(a.name))) continue;
      if (directive.name === "map" && directive.args.length >= 2 && directive.block) {
        const entries = directive.block.map((e) => ({ key: e.name, value: e.args.join(" ") }));
        const variable = normalizeVariable(directive.args[1] ?? "");
        project.maps.set(variable, [
          ...(project.maps.get(variable) ?? []),
          { source: directive.args[0] ?? "", entries },
        ]);
      }
      if (directive.name === "set" && directive.args.length >= 2) {
        const variable = normalizeVariable(directive.args[0] ?? "");
        project.sets.set(variable, [
          ...(project.sets.get(variable) ?? []),
          { value: directive.args[1] ?? "", guards: originGuards(ancestors) },
        ]);
      }
    }
  }
  projects.set(context.files, project);
  return project;
}

function normalizeVariable(v: string): string {
  return v.replace(/^\$\{(\w+)\}$/, "$$$1");
}

/** Whether an `include` argument (a path or glob, absolute or relative to /etc/nginx) names a file. */
export function includeMatches(pattern: string, relPath: string): boolean {
  const patternSegments = pattern.split("/").filter(Boolean);
  const fileSegments = relPath.split("/");
  const glob = patternSegments[patternSegments.length - 1] ?? "";
  const base = fileSegments[fileSegments.length - 1] ?? "";
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  if (!re.test(base)) return false;
  const dir = patternSegments[patternSegments.length - 2];
  if (dir === undefined) return true;
  // sites-enabled holds symlinks to sites-available.
  const same = (a: string) => a.replace("sites-enabled", "sites-available");
  return same(fileSegments[fileSegments.length - 2] ?? "") === same(dir);
}

function includedFiles(project: NginxProject, pattern: string, from: string): ParsedFile[] {
  return project.files.filter((f) => f.path !== from && includeMatches(pattern, f.path));
}

// ---------------------------------------------------------------------------------------------
// add_header levels and inheritance.

interface AddHeader {
  /** Lower-cased header name. */
  name: string;
  value: string;
  always: boolean;
}

interface HeaderLevel {
  headers: AddHeader[];
  /** Includes at this level the scan could not read, which may add headers. */
  opaque: string[];
}

function addHeaderOf(d: NginxDirective): AddHeader | undefined {
  if (d.name !== "add_header" || d.args.length < 2) return undefined;
  return { name: (d.args[0] ?? "").toLowerCase(), value: d.args[1] ?? "", always: d.args[2] === "always" };
}

/** The add_headers written at one level, included files' top-level add_headers counted in. */
function ownLevel(
  children: readonly NginxDirective[],
  from: string,
  project: NginxProject,
  depth = 0,
): HeaderLevel {
  const level: HeaderLevel = { headers: [], opaque: [] };
  for (const d of children) {
    const header = addHeaderOf(d);
    if (header) level.headers.push(header);
    if (d.name !== "include" || d.args.length === 0) continue;
    const pattern = d.args[0] ?? "";
    const files = includedFiles(project, pattern, from);
    if (files.length === 0) {
      if (!HEADER_FREE_INCLUDE.test(pattern)) level.opaque.push(pattern);
      continue;
    }
    if (depth > 4) continue;
    for (const f of files) {
      const inner = ownLevel(f.directives, f.path, project, depth + 1);
      level.headers.push(...inner.headers);
      level.opaque.push(...inner.opaque);
    }
  }
  return level;
}

/** The http block of another file that includes this one (conf.d/*.conf), if it is in the tree. */
function includingHttp(project: NginxProject, path: string): IncludingHttp | undefined {
  if (!project.includers.has(path)) project.includers.set(path, findIncludingHttp(project, path));
  return project.includers.get(path);
}

function findIncludingHttp(project: NginxProject, path: string): IncludingHttp | undefined {
  for (const f of project.files) {
    if (f.path === path) continue;
    for (const { directive, ancestors } of walkDirectives(f.directives)) {
      if (directive.name !== "include" || !includeMatches(directive.args[0] ?? "", path)) continue;
      const http = ancestors[ancestors.length - 1];
      if (http?.name === "http") return { block: http, from: f.path };
    }
  }
  return undefined;
}

/** The header levels from the outermost to the block that holds `ancestors`' last element. */
function levelChain(
  file: ParsedFile,
  ancestors: readonly NginxDirective[],
  project: NginxProject,
): HeaderLevel[] {
  const chain: HeaderLevel[] = [];
  if (ancestors[0]?.name !== "http") {
    // A file of bare server blocks lives inside someone's http block.
    const parent = includingHttp(project, file.path);
    if (parent) chain.push(ownLevel(parent.block.block ?? [], parent.from, project));
    chain.push(ownLevel(file.directives, file.path, project));
  }
  for (const a of ancestors)
    if (HEADER_LEVELS.has(a.name)) chain.push(ownLevel(a.block ?? [], file.path, project));
  return chain;
}

/** nginx inheritance: the innermost level with any add_header of its own wins, whole. */
function effective(chain: readonly HeaderLevel[]): AddHeader[] {
  for (let i = chain.length - 1; i >= 0; i--) {
    const level = chain[i];
    if (level && level.headers.length > 0) return level.headers;
  }
  return [];
}

interface RequiredHeader {
  label: string;
  present: (headers: readonly AddHeader[]) => boolean;
}

const REQUIRED_HEADERS: readonly RequiredHeader[] = [
  {
    label: "Strict-Transport-Security",
    present: (hs) =>
      hs.some((h) => h.name === "strict-transport-security" && !/max-age\s*=\s*"?0"?\s*(;|$)/i.test(h.value)),
  },
  { label: "X-Content-Type-Options", present: (hs) => hs.some((h) => h.name === "x-content-type-options") },
  {
    label: "X-Frame-Options or CSP frame-ancestors",
    present: (hs) =>
      hs.some(
        (h) =>
          h.name === "x-frame-options" ||
          (h.name === "content-security-policy" && /frame-ancestors/i.test(h.value)),
      ),
  },
];

// ---------------------------------------------------------------------------------------------
// Servers.

interface ListenFacts {
  directive: NginxDirective;
  port: string;
  tls: boolean;
  loopback: boolean;
}

export function parseListen(d: NginxDirective): ListenFacts | undefined {
  const first = d.args[0] ?? "";
  if (first === "" || first.startsWith("unix:")) return undefined;
  let host = "";
  let port = "80";
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(first);
  if (bracketed) {
    host = bracketed[1] ?? "";
    port = bracketed[2] ?? "80";
  } else if (/^\d+$/.test(first)) port = first;
  else if (/:\d+$/.test(first)) {
    host = first.slice(0, first.lastIndexOf(":"));
    port = first.slice(first.lastIndexOf(":") + 1);
  } else host = first;
  const tls = d.args.slice(1).some((a) => a === "ssl" || a === "quic");
  return { directive: d, port, tls, loopback: host !== "" && host !== "*" && isLoopbackHost(host) };
}

/** A server_name that the internet can reach: not `_`, localhost, a private IP, *.local, *.internal. */
export function isPublicServerName(name: string): boolean {
  const n = name.trim().toLowerCase();
  if (n === "" || n === "_" || n.startsWith("$")) return false;
  if (n.startsWith("~")) return !/localhost|\\?\.(local|internal|lan)\b|\b127\\?\.|\\?\.localhost/.test(n);
  const host = n.replace(/^\*?\./, "").replace(/\.\*$/, "");
  // RFC 2606/6761 names never resolve on the internet (Valet's *.test, *.invalid).
  return !isLocalHost(host) && !/\.(test|invalid|example)$/.test(host);
}

function isHttpsRedirect(d: NginxDirective): boolean {
  if (d.name === "return") {
    const [first = "", second = ""] = d.args;
    if (d.args.length === 1) return /^https:\/\//i.test(first);
    return /^(301|302|303|307|308)$/.test(first) && /^https:\/\//i.test(second);
  }
  return d.name === "rewrite" && /^https:\/\//i.test(d.args[1] ?? "");
}

interface ServerFacts {
  label: string;
  names: string[];
  listens: ListenFacts[];
  tls: boolean;
  public: boolean;
  redirectsToHttps: boolean;
  returns: string;
  refuses: boolean;
  headers: AddHeader[];
  missing: string[];
  missingDetail: string;
  opaqueIncludes: string[];
  defaultServer: boolean;
}

function serverFacts(
  server: NginxDirective,
  ancestors: readonly NginxDirective[],
  file: ParsedFile,
  project: NginxProject,
): ServerFacts {
  const body = server.block ?? [];
  const names = body.filter((d) => d.name === "server_name").flatMap((d) => d.args);
  const listenDirectives = body.filter((d) => d.name === "listen");
  const listens = listenDirectives.flatMap((d) => parseListen(d) ?? []);
  const sslOn = body.some((d) => d.name === "ssl" && d.args[0] === "on");
  if (sslOn) for (const l of listens) l.tls = true;
  const tls = sslOn || listens.some((l) => l.tls) || body.some((d) => d.name === "ssl_certificate");
  // The places a redirect to HTTPS is written: the server itself, its `if`s and `location /`.
  const redirectScopes = [
    body,
    ...body.filter((d) => d.name === "if").map((d) => d.block ?? []),
    ...body
      .filter((d) => d.name === "location" && d.args.length === 1 && d.args[0] === "/")
      .map((d) => d.block ?? []),
  ];
  const redirectsToHttps = redirectScopes.some((scope) => scope.some(isHttpsRedirect));
  const returns = body.find((d) => d.name === "return")?.args.join(" ") ?? "";
  // A catch-all that closes (444), refuses (403/404) or rejects the TLS handshake serves no page.
  const refuses =
    /^4\d\d$/.test(returns.split(" ")[0] ?? "") ||
    body.some(
      (d) =>
        (d.name === "ssl_reject_handshake" && d.args[0] === "on") ||
        (d.name === "deny" && d.args[0] === "all"),
    );

  const chain = levelChain(file, [...ancestors, server], project);
  const headers = effective(chain);
  const opaque = chain.flatMap((l) => l.opaque);
  // Every level below the server with add_headers of its own serves with those alone.
  const problems: Array<{ where: string; missing: string[] }> = [];
  const check = (where: string, hs: readonly AddHeader[]) => {
    const missing = REQUIRED_HEADERS.filter((r) => !r.present(hs)).map((r) => r.label);
    if (missing.length > 0) problems.push({ where, missing });
  };
  check("", headers);
  const visit = (children: readonly NginxDirective[], outer: readonly HeaderLevel[]) => {
    for (const d of children) {
      if (d.name !== "location" && d.name !== "if") continue;
      // A preflight `if (...) { add_header ...; return 204; }` answers no page: no page headers needed.
      if (d.name === "if" && (d.block ?? []).some((c) => c.name === "return")) continue;
      const level = ownLevel(d.block ?? [], file.path, project);
      opaque.push(...level.opaque);
      const inner = [...outer, level];
      if (level.headers.length > 0) check(`${d.name} ${d.args.join(" ")}`, level.headers);
      visit(d.block ?? [], inner);
    }
  };
  visit(body, chain);
  const missing = [...new Set(problems.flatMap((p) => p.missing))];
  // The server's own gaps first, then what deeper levels drop on top of them, grouped.
  const atServer = new Set(problems.find((p) => p.where === "")?.missing ?? []);
  const dropped = new Map<string, string[]>();
  for (const p of problems) {
    if (p.where === "") continue;
    const extra = p.missing.filter((m) => !atServer.has(m)).join(", ");
    if (extra !== "") dropped.set(extra, [...(dropped.get(extra) ?? []), p.where]);
  }
  const missingDetail = [
    ...(atServer.size > 0 ? [[...atServer].join(", ")] : []),
    ...[...dropped].map(
      ([what, where]) =>
        `${what} in ${where.join(", ")} (${where.length > 1 ? "their" : "its"} add_header drops the inherited ones)`,
    ),
  ].join("; ");
  return {
    label:
      names.find((n) => n !== "_" && n !== "") ?? (names.length > 0 ? names.join(" ") : "(no server_name)"),
    names,
    listens,
    tls,
    public: names.some(isPublicServerName),
    redirectsToHttps,
    returns,
    refuses,
    headers,
    missing,
    missingDetail,
    opaqueIncludes: [...new Set(opaque)],
    defaultServer: listenDirectives.some((d) => d.args.includes("default_server")),
  };
}

// ---------------------------------------------------------------------------------------------
// CORS: what an Access-Control-Allow-Origin value lets through.

export type OriginVerdict = "any" | "unanchored" | "wildcard" | "allowlist" | "fixed" | "unknown";

const ATTACKER_ORIGIN = "https://attacker.invalid";

function mentionsOrigin(value: string): boolean {
  return /\$(\{http_origin\}|http_origin\b)/i.test(value);
}

/** What an origin regex of an `if` or a `map` admits. */
export function originPatternVerdict(pattern: string, caseInsensitive: boolean): OriginVerdict {
  try {
    if (new RegExp(pattern, caseInsensitive ? "i" : "").test(ATTACKER_ORIGIN)) return "any";
  } catch {
    // PCRE-only syntax: judge by anchors alone.
  }
  // `(^https://app\.example\.com$)` is anchored too.
  return /^\(*(\?:)?\^/.test(pattern) && /\$\)*$/.test(pattern) ? "allowlist" : "unanchored";
}

/** `if ($http_origin ~* "^https://app\.example\.com$")` around a directive. */
function originGuards(ancestors: readonly NginxDirective[]): OriginGuard[] {
  const out: OriginGuard[] = [];
  for (const a of ancestors) {
    if (a.name !== "if") continue;
    const args = [...a.args];
    args[0] = (args[0] ?? "").replace(/^\(/, "");
    if (args[args.length - 1] === ")") args.pop();
    else args[args.length - 1] = (args[args.length - 1] ?? "").replace(/\)$/, "");
    const [variable = "", op = "", pattern = ""] = args;
    if (mentionsOrigin(variable) && ["~", "~*", "="].includes(op)) out.push({ op, pattern });
  }
  return out;
}

function guardVerdict(guards: readonly OriginGuard[]): OriginVerdict | undefined {
  let best: OriginVerdict | undefined;
  for (const g of guards) {
    const v = g.op === "=" ? "allowlist" : originPatternVerdict(g.pattern, g.op === "~*");
    if (v === "allowlist") return v;
    best = v;
  }
  return best;
}

interface OriginJudgement {
  verdict: OriginVerdict;
  why: string;
}

const VERDICT_RANK: readonly OriginVerdict[] = [
  "any",
  "unanchored",
  "wildcard",
  "unknown",
  "fixed",
  "allowlist",
];

function worst(a: OriginJudgement, b: OriginJudgement): OriginJudgement {
  return VERDICT_RANK.indexOf(a.verdict) <= VERDICT_RANK.indexOf(b.verdict) ? a : b;
}

/** Judge an Access-Control-Allow-Origin value, following `map` and `set` variables. */
export function judgeOrigin(
  value: string,
  guards: readonly OriginGuard[],
  project: Pick<NginxProject, "maps" | "sets">,
  depth = 0,
): OriginJudgement {
  const v = value.trim();
  if (v === "*") return { verdict: "wildcard", why: "allows any origin (*)" };
  if (mentionsOrigin(v)) {
    const guarded = guardVerdict(guards);
    if (guarded === "allowlist") return { verdict: "allowlist", why: "reflects only origins the if admits" };
    if (guarded === "unanchored")
      return {
        verdict: "unanchored",
        why: "reflects origins an unanchored regex admits (example.com.attacker.net passes)",
      };
    return { verdict: "any", why: "reflects every Origin ($http_origin)" };
  }
  const variable = /^\$(\w+|\{\w+\})$/.exec(v) ? normalizeVariable(v) : undefined;
  if (!variable || depth > 4) {
    if (/^https?:\/\/[^\s$]+$/i.test(v)) return { verdict: "fixed", why: `allows ${v}` };
    return { verdict: "unknown", why: `allows ${v}` };
  }
  const judgements: OriginJudgement[] = [];
  for (const map of project.maps.get(variable) ?? []) {
    const keyedByOrigin = mentionsOrigin(map.source);
    for (const { key, value: result } of map.entries) {
      if (result.trim() === "") continue;
      const inner = judgeOrigin(result, [], project, depth + 1);
      if (inner.verdict !== "any") {
        if (inner.verdict === "wildcard") judgements.push(inner);
        continue;
      }
      const regex = /^(~\*?)(.*)$/.exec(key);
      if (key === "default" || !keyedByOrigin)
        judgements.push({
          verdict: "any",
          why: `reflects every Origin (map ${variable}: ${key} -> ${result})`,
        });
      else if (regex) {
        const verdict = originPatternVerdict(regex[2] ?? "", regex[1] === "~*");
        judgements.push({
          verdict,
          why:
            verdict === "allowlist"
              ? `reflects only origins map ${variable} lists`
              : verdict === "unanchored"
                ? `reflects origins the unanchored pattern ${key} of map ${variable} admits (example.com.attacker.net passes)`
                : `reflects every Origin (map ${variable}: ${key} -> ${result})`,
        });
      } else judgements.push({ verdict: "allowlist", why: `reflects only origins map ${variable} lists` });
    }
  }
  for (const set of project.sets.get(variable) ?? []) {
    // An empty value sends no header at all.
    if (set.value.trim() === "") continue;
    judgements.push(judgeOrigin(set.value, set.guards, project, depth + 1));
  }
  if (judgements.length === 0)
    return { verdict: "unknown", why: `allows ${v} (not defined in the scanned files)` };
  return judgements.reduce(worst);
}

// ---------------------------------------------------------------------------------------------
// Secrets: header values and `set`s that carry credentials.

const CREDENTIAL_HEADER =
  /^(proxy-)?authorization$|^cookie$|api[-_]?key|(^|[-_])(auth|access|session)?[-_]?(token|secret|password|passwd)([-_]|$)/i;
const HEADER_DIRECTIVE =
  /^(proxy_set_header|grpc_set_header|add_header|fastcgi_param|uwsgi_param|scgi_param|more_set_input_headers)$/;

export function directiveSecrets(d: NginxDirective): string[] {
  const out: string[] = [];
  const [key = "", value = ""] = d.args;
  // A value made only of nginx variables ($http_authorization) is forwarded, not written here.
  const literal = (s: string) => s.trim().length >= 6 && !/^(\$\w+|\$\{\w+\}|\s)+$/.test(s.trim());
  if (HEADER_DIRECTIVE.test(d.name) && CREDENTIAL_HEADER.test(key) && literal(value)) {
    const token = value.replace(/^(bearer|basic|token|bot|apikey)\s+/i, "");
    if (literal(token) && !/^\$/.test(token)) out.push(token, value);
  }
  if (d.name === "set" && isSecretName(key.replace(/^\$\{?|\}$/g, "")) && literal(value)) out.push(value);
  for (const arg of d.args)
    for (const piece of arg.split(/\s+/)) if (providerSecret(piece) !== undefined) out.push(piece);
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------
// Subjects.

export const NGINX_SUBJECT_KINDS = {
  "nginx-directive": "no nginx config found",
  "nginx-server": "no nginx server block found",
} as const;

function configSubjects(file: ProjectFile, parsed: ParsedFile, project: NginxProject): Subject[] {
  const out: Subject[] = [];
  const lines = parsed.lines;
  // conf.d/default.conf is the live config of the official image, not an example.
  const base = { "file.role": /(^|\/)default(\.conf)?$/.test(file.path) ? "real" : fileRole(file.path) };
  const servers = new Map<NginxDirective, ServerFacts>();
  const factsOf = (server: NginxDirective, ancestors: readonly NginxDirective[]): ServerFacts => {
    let facts = servers.get(server);
    if (!facts) {
      facts = serverFacts(server, ancestors, parsed, project);
      servers.set(server, facts);
    }
    return facts;
  };
  const at = (d: NginxDirective): Location => ({ file: file.path, line: d.line, column: d.column });
  const seen = new Map<string, number>();

  for (const { directive: d, ancestors } of walkDirectives(parsed.directives)) {
    if (ancestors.some((a) => DATA_BLOCKS.test(a.name))) continue;
    const context = ancestors.map((a) => a.name).join(">");
    const httpOnly = !ancestors.some((a) => a.name === "stream" || a.name === "mail");
    let serverIndex = ancestors.length - 1;
    while (serverIndex >= 0 && ancestors[serverIndex]?.name !== "server") serverIndex--;
    const server = serverIndex >= 0 ? ancestors[serverIndex] : undefined;
    const facts = server && httpOnly ? factsOf(server, ancestors.slice(0, serverIndex)) : undefined;
    const location = [...ancestors].reverse().find((a) => a.name === "location");
    const secrets = directiveSecrets(d);
    const fields: Record<string, FieldValue> = {
      ...base,
      name: d.name,
      args: d.args.join(" "),
      argCount: d.args.length,
      context,
      block: ancestors[ancestors.length - 1]?.name ?? "main",
      location: location ? location.args.join(" ") : "",
      server: facts?.label ?? "",
      "server.names": facts?.names ?? [],
      "server.tls": facts?.tls ?? false,
      "server.public": facts?.public ?? false,
    };
    d.args.forEach((a, i) => {
      fields[`arg.${i}`] = a;
    });
    const header = addHeaderOf(d);
    if (header) {
      fields.header = header.name;
      fields["header.value"] = header.value;
      fields["header.always"] = header.always;
      if (header.name === "access-control-allow-origin") {
        const judged = judgeOrigin(header.value, originGuards(ancestors), project);
        const levelChildren = ancestors[ancestors.length - 1]?.block ?? parsed.directives;
        const credentials = ownLevel(levelChildren, file.path, project).headers.some(
          (h) => h.name === "access-control-allow-credentials" && /^true$/i.test(h.value.trim()),
        );
        fields["cors.origin"] = judged.verdict;
        fields["cors.credentials"] = credentials;
        fields["cors.why"] = credentials
          ? `${judged.why}, with Access-Control-Allow-Credentials: true`
          : judged.why;
      }
    }
    // Identity without line numbers or values: a directive's name, first argument and place.
    const identityBase = `${facts?.label ?? ""}|${context}|${location?.args.join(" ") ?? ""}|${d.name} ${
      secrets.length > 0 ? "" : (d.args[0] ?? "")
    }`;
    const n = seen.get(identityBase) ?? 0;
    seen.set(identityBase, n + 1);
    out.push(
      lineSubject(
        "nginx-directive",
        file,
        lines,
        d,
        fields,
        n === 0 ? identityBase : `${identityBase}#${n}`,
        secrets,
      ),
    );

    if (d.name === "server" && d.block && httpOnly && !ancestors.some((a) => a.name === "upstream")) {
      out.push(serverSubject(file, lines, d, factsOf(d, ancestors), context, base, at));
    }
  }
  return out;
}

function serverSubject(
  file: ProjectFile,
  lines: readonly string[],
  server: NginxDirective,
  facts: ServerFacts,
  context: string,
  base: Record<string, FieldValue>,
  at: (d: NginxDirective) => Location,
): Subject {
  // No listen at all means `listen *:80`.
  const listens = facts.listens;
  // The server_name line says which server it is; `server {` alone says nothing.
  const nameLine = (server.block ?? []).find((d) => d.name === "server_name") ?? server;
  const plain =
    listens.length === 0 && !facts.tls ? [undefined] : listens.filter((l) => !l.tls && !l.loopback);
  const fieldLocations: Record<string, Location> = {};
  plain.forEach((l, i) => {
    fieldLocations[`plainPorts.${i}`] = at(l ? l.directive : nameLine);
  });
  listens.forEach((l, i) => {
    fieldLocations[`listen.${i}`] = at(l.directive);
  });
  const secrets = (server.block ?? []).flatMap(function collect(d: NginxDirective): string[] {
    return [...directiveSecrets(d), ...(d.block ?? []).flatMap(collect)];
  });
  return lineSubject(
    "nginx-server",
    file,
    lines,
    nameLine,
    {
      ...base,
      context: context ? `${context}>server` : "server",
      server: facts.label,
      serverNames: facts.names,
      public: facts.public,
      defaultServer: facts.defaultServer,
      listen: listens.map((l) => l.directive.args.join(" ")),
      ports: [...new Set(listens.map((l) => l.port))],
      plainPorts: plain.map((l) => l?.port ?? "80"),
      tlsPorts: listens.filter((l) => l.tls).map((l) => l.port),
      tls: facts.tls,
      redirectsToHttps: facts.redirectsToHttps,
      return: facts.returns,
      refuses: facts.refuses,
      headers: [...new Set(facts.headers.map((h) => h.name))],
      missingHeaders: facts.missing,
      "missingHeaders.detail": facts.missingDetail,
      opaqueIncludes: facts.opaqueIncludes,
    },
    `server:${facts.names.join(",")}:${listens.map((l) => l.directive.args.join(" ")).join(",")}`,
    secrets,
    fieldLocations,
  );
}

export const nginxSource: FileSource = {
  name: "nginx",
  kinds: NGINX_SUBJECT_KINDS,
  isCandidate: isNginxCandidate,
  subjects(file, context) {
    const parsed = parseFile(file);
    if (parsed === null || typeof parsed === "string") return parsed;
    return configSubjects(file, parsed, nginxProject(context));
  },
};
