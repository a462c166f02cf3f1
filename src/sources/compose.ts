import { LineCounter, parseDocument } from "yaml";
import { interpolate, singleReference } from "./interpolate.js";
import { yamlLocator } from "./yaml-positions.js";

export interface Position {
  line: number;
  column: number;
}

export interface ComposePort extends Position {
  hostIp: string;
  published: string;
  target: string;
  protocol: string;
  /** As written in the file, for evidence and identity. */
  spec: string;
}

export interface ComposeEnvEntry extends Position {
  key: string;
  value: string;
}

export interface Located extends Position {
  value: string;
}

export interface ComposeService extends Position {
  name: string;
  image?: Located;
  build: boolean;
  privileged?: Located;
  networkMode?: Located;
  capAdd: Located[];
  volumes: Located[];
  command?: Located;
  entrypoint?: Located;
  ports: ComposePort[];
  environment: ComposeEnvEntry[];
  /** Every key set in `environment:`, including those whose value comes from elsewhere. */
  environmentKeys: string[];
  /** env_file targets relative to the scanned root. */
  envFiles: string[];
}

export interface ComposeDocument {
  path: string;
  production: boolean;
  services: ComposeService[];
  lines: readonly string[];
}

/** docker-compose.yml, docker-compose.prod.yaml, compose.yaml, compose.override.yml... */
/** Marks an env_file target outside the scanned root: reported as skipped, never read. */
export const OUTSIDE_ROOT = "\0outside:";

export function isComposeFileName(name: string): boolean {
  return /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i.test(name);
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: Json | undefined): string | undefined =>
  v === null || v === undefined ? undefined : typeof v === "object" ? JSON.stringify(v) : String(v);

/**
 * Parse a compose file with yaml's Document API: values come from the resolved document (anchors,
 * merge keys), positions from the node tree, so every finding points at the line that says it.
 * Returns a string when the file is not a compose file after all (no `services` map) or is invalid.
 */
export function parseCompose(
  relPath: string,
  text: string,
  vars: ReadonlyMap<string, string>,
  production: boolean,
): ComposeDocument | string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err)
    return `invalid YAML at line ${lineCounter.linePos(err.pos[0]).line}: ${err.message.split("\n")[0]}`;
  let data: Json;
  try {
    data = doc.toJS({ maxAliasCount: 1000 }) as Json;
  } catch (e) {
    return `invalid YAML: ${(e as Error).message}`;
  }
  if (!isObj(data) || !isObj(data.services)) return "not a compose file (no services map)";
  const at: (...segments: Array<string | number>) => Position = yamlLocator(doc, lineCounter);
  const located = (value: Json | undefined, ...p: Array<string | number>): Located | undefined => {
    const s = str(value);
    return s === undefined ? undefined : { value: s, ...at(...p) };
  };
  const dir = relPath.includes("/") ? relPath.slice(0, relPath.lastIndexOf("/") + 1) : "";

  const services: ComposeService[] = [];
  for (const [name, raw] of Object.entries(data.services)) {
    if (!isObj(raw)) continue;
    const s = raw;
    const base = ["services", name];
    const image = located(s.image, ...base, "image");
    if (image) image.value = interpolate(image.value, vars, true);
    const command = located(
      Array.isArray(s.command) ? s.command.map(String).join(" ") : s.command,
      ...base,
      "command",
    );
    const entrypoint = located(
      Array.isArray(s.entrypoint) ? s.entrypoint.map(String).join(" ") : s.entrypoint,
      ...base,
      "entrypoint",
    );
    services.push({
      name,
      ...at(...base),
      image,
      build: s.build !== undefined,
      privileged: located(s.privileged, ...base, "privileged"),
      networkMode: located(s.network_mode, ...base, "network_mode"),
      capAdd: list(s.cap_add).map((v, i) => ({ value: String(v), ...at(...base, "cap_add", i) })),
      volumes: list(s.volumes).map((v, i) => ({ value: volumeSpec(v), ...at(...base, "volumes", i) })),
      command,
      entrypoint,
      ports: list(s.ports).flatMap((p, i) => {
        const port = parsePort(p, vars);
        return port ? [{ ...port, ...at(...base, "ports", i) }] : [];
      }),
      environment: environment(s.environment, vars, (key, i) => at(...base, "environment", i ?? key)),
      environmentKeys: Array.isArray(s.environment)
        ? s.environment.map((e) => (str(e) ?? "").split("=")[0] ?? "")
        : isObj(s.environment)
          ? Object.keys(s.environment)
          : [],
      envFiles: list(s.env_file).flatMap((e) => {
        const p = isObj(e) ? str(e.path) : str(e);
        if (!p) return [];
        return [normalize(dir + interpolate(p, vars)) ?? `${OUTSIDE_ROOT}${p}`];
      }),
    });
  }
  return { path: relPath, production, services, lines: text.split(/\r\n|\r|\n/) };
}

function list(v: Json | undefined): Json[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A path relative to the root, or undefined when it climbs above the root (or is absolute). */
function normalize(p: string): string | undefined {
  if (p.startsWith("/")) return undefined;
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join("/");
}

function volumeSpec(v: Json): string {
  if (isObj(v)) return `${str(v.source) ?? ""}:${str(v.target) ?? ""}`;
  return String(v);
}

/** Short (`[IP:][HOST:]CONTAINER[/PROTO]`, IPv6 in brackets) and long port syntax. */
export function parsePort(
  p: Json,
  vars: ReadonlyMap<string, string>,
): Omit<ComposePort, "line" | "column"> | undefined {
  if (isObj(p)) {
    return {
      hostIp: interpolate(str(p.host_ip) ?? "", vars),
      published: interpolate(str(p.published) ?? "", vars),
      target: str(p.target) ?? "",
      protocol: str(p.protocol) ?? "tcp",
      spec: JSON.stringify(p),
    };
  }
  const spec = str(p);
  if (spec === undefined) return undefined;
  let rest = interpolate(spec, vars).trim();
  let protocol = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash > 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let hostIp = "";
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(":");
  const target = parts.pop() ?? "";
  const published = parts.pop() ?? "";
  if (parts.length > 0) hostIp = parts.join(":");
  return { hostIp, published, target, protocol, spec };
}

function environment(
  env: Json | undefined,
  vars: ReadonlyMap<string, string>,
  pos: (key: string, index?: number) => Position,
): ComposeEnvEntry[] {
  const out: ComposeEnvEntry[] = [];
  const add = (key: string, raw: string, position: Position) => {
    // A value that is only `${VAR}` comes from elsewhere (the env file, the deploy shell): its
    // source is audited there. Only a default written here belongs to this file.
    const ref = singleReference(raw);
    if (ref) {
      if (ref.fallback === undefined || vars.has(ref.name)) return;
      out.push({ key, value: ref.fallback, ...position });
      return;
    }
    out.push({ key, value: interpolate(raw, vars, true), ...position });
  };
  if (Array.isArray(env)) {
    env.forEach((item, i) => {
      const s = str(item) ?? "";
      const eq = s.indexOf("=");
      if (eq > 0) add(s.slice(0, eq), s.slice(eq + 1), pos("", i));
    });
  } else if (isObj(env)) {
    for (const [key, value] of Object.entries(env)) {
      if (value === null) continue;
      add(key, str(value) ?? "", pos(key));
    }
  }
  return out;
}
