import { LineCounter, parseDocument } from "yaml";
import type { FieldValue, Subject } from "../engine/types.js";
import { isAllInterfaces, isLoopbackHost } from "../predicates/network.js";
import { type ComposeDocument, isComposeFileName } from "./compose.js";
import { fileRole } from "./env.js";
import type { FileSource, SourceContext } from "./file-source.js";
import { lineSubject } from "./file-source.js";
import type { ProjectFile } from "./files.js";
import { yamlLocator } from "./yaml-positions.js";

// cloudflared's locally managed tunnel config (config.yml): the ingress rules that map public
// hostnames to origin services, and the originRequest settings (noTLSVerify...) that apply to
// them, top-level defaults overridden per rule. Read with yaml's Document API for exact lines.

const TUNNEL_DIRS = new Set([".cloudflared", "cloudflared", "cloudflare", "tunnel", "tunnels"]);

export function isCloudflaredCandidate(relPath: string, name: string): boolean {
  if (!/\.ya?ml$/i.test(name) || isComposeFileName(name)) return false;
  const parts = relPath.split("/");
  const dir = parts.length >= 2 ? (parts[parts.length - 2] ?? "") : "";
  if (TUNNEL_DIRS.has(dir.toLowerCase()) && /^config([._-][\w.-]+)?\.ya?ml$/i.test(name)) return true;
  return /cloudflared|tunnel/i.test(name);
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: Json | undefined): string =>
  v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

export interface OriginService {
  scheme: string;
  host: string;
  /** Explicit or the scheme's default; "" when the service has none (http_status:404, unix:...). */
  port: string;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: "80",
  https: "443",
  ws: "80",
  wss: "443",
  ssh: "22",
  rdp: "3389",
  smb: "445",
};

/** `http://localhost:8000` -> http, localhost, 8000; `http_status:404` -> http_status with no host. */
export function parseOriginService(service: string): OriginService {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#\s]*)(?::(\d+))?/i.exec(service.trim());
  if (!m) {
    const scheme = /^([a-z][a-z0-9_+.-]*)(:|$)/i.exec(service.trim())?.[1] ?? "";
    return { scheme: scheme.toLowerCase(), host: "", port: "" };
  }
  const scheme = (m[1] ?? "").toLowerCase();
  return {
    scheme,
    host: (m[2] ?? "").replace(/^\[|\]$/g, "").toLowerCase(),
    port: m[3] ?? DEFAULT_PORTS[scheme] ?? "",
  };
}

/** Whether `port` falls in a compose port spec part: `8000`, or a range `8000-8010`. */
function portIn(port: string, spec: string): boolean {
  const range = /^(\d+)-(\d+)$/.exec(spec.trim());
  if (range) return Number(port) >= Number(range[1]) && Number(port) <= Number(range[2]);
  return spec.trim() !== "" && spec.trim() === port;
}

export interface PublishedOrigin {
  /** `docker-compose.yml:12`: the ports entry that publishes the origin. */
  where: string;
  service: string;
  spec: string;
}

/**
 * The compose ports entry that also publishes this origin on every host interface, if one does.
 * A loopback origin (cloudflared on the host) is the host port `published`; a compose service name
 * (cloudflared on the compose network) is that service's container port `target`, reachable from
 * outside only when some host port maps to it.
 */
export function publishedOrigin(
  origin: OriginService,
  composeFiles: readonly ComposeDocument[],
): PublishedOrigin | undefined {
  if (!origin.host || !origin.port) return undefined;
  const onHost = isLoopbackHost(origin.host) || origin.host === "host.docker.internal";
  for (const compose of composeFiles) {
    // A compose file for tests or an example is not what runs next to the tunnel.
    if (fileRole(compose.path) !== "real") continue;
    for (const service of compose.services) {
      const byName = service.name.toLowerCase() === origin.host;
      if (!onHost && !byName) continue;
      for (const p of service.ports) {
        if (!isAllInterfaces(p.hostIp) || p.protocol.toLowerCase() !== "tcp") continue;
        if (onHost ? portIn(origin.port, p.published) : portIn(origin.port, p.target)) {
          return { where: `${compose.path}:${p.line}`, service: service.name, spec: p.spec };
        }
      }
    }
  }
  return undefined;
}

const SKIP = "no cloudflared tunnel config (config.yml with ingress rules)";

export const cloudflaredSource: FileSource = {
  name: "cloudflared",
  kinds: { "tunnel-ingress": SKIP, "tunnel-origin-request": SKIP },
  isCandidate: isCloudflaredCandidate,
  subjects: tunnelSubjects,
};

function tunnelSubjects(file: ProjectFile, context: SourceContext): Subject[] | string | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    // A file named like a tunnel config that is something else (a k8s manifest with several
    // documents) is not ours to judge.
    if (err.code === "MULTIPLE_DOCS") return null;
    return `invalid YAML at line ${lineCounter.linePos(err.pos[0]).line}: ${err.message.split("\n")[0]}`;
  }
  let data: Json;
  try {
    data = doc.toJS({ maxAliasCount: 1000 }) as Json;
  } catch (e) {
    return `invalid YAML: ${(e as Error).message.split("\n")[0]}`;
  }
  if (!isObj(data)) return null;
  const ingress = Array.isArray(data.ingress) ? data.ingress : undefined;
  // Legacy single-origin form: `url:` instead of ingress rules.
  const legacyUrl = ingress === undefined && typeof data.url === "string" ? data.url : undefined;
  if (ingress === undefined && !("tunnel" in data)) return null;

  const lines = file.text.split(/\r\n|\r|\n/);
  const at = yamlLocator(doc, lineCounter);
  const common: Record<string, FieldValue> = {
    "file.role": fileRole(file.path),
    tunnel: text(data.tunnel),
  };

  const topRequest = isObj(data.originRequest) ? data.originRequest : undefined;
  const topNoTls = topRequest && "noTLSVerify" in topRequest ? isTrue(topRequest.noTLSVerify) : undefined;

  interface Rule {
    index: number;
    hostname: string;
    path: string;
    service: string;
    origin: OriginService;
    ownNoTls: boolean | undefined;
    request: Obj | undefined;
    position: { line: number; column: number };
  }
  const rules: Rule[] = [];
  (ingress ?? (legacyUrl !== undefined ? [{ service: legacyUrl }] : [])).forEach((raw, index) => {
    if (!isObj(raw)) return;
    const request = isObj(raw.originRequest) ? raw.originRequest : undefined;
    const service = text(raw.service);
    rules.push({
      index,
      hostname: text(raw.hostname),
      path: text(raw.path),
      service,
      origin: parseOriginService(service),
      ownNoTls: request && "noTLSVerify" in request ? isTrue(request.noTLSVerify) : undefined,
      request,
      position: legacyUrl !== undefined ? at("url") : at("ingress", index, "service"),
    });
  });

  const out: Subject[] = [];
  for (const r of rules) {
    const noTls = r.ownNoTls ?? topNoTls ?? false;
    const published = publishedOrigin(r.origin, context.composeFiles);
    out.push(
      lineSubject(
        "tunnel-ingress",
        file,
        lines,
        r.position,
        {
          ...common,
          index: r.index,
          route: routeName(r.hostname, r.path),
          hostname: r.hostname,
          path: r.path,
          catchAll: r.hostname === "" && r.path === "",
          service: r.service,
          "service.scheme": r.origin.scheme,
          "service.host": r.origin.host,
          "service.port": r.origin.port,
          noTLSVerify: noTls,
          "noTLSVerify.from":
            r.ownNoTls !== undefined ? "ingress" : topNoTls !== undefined ? "top-level" : "",
          "origin.exposed": published !== undefined,
          "origin.publishedAt": published?.where ?? "",
          "origin.composeService": published?.service ?? "",
          "origin.publishedSpec": published?.spec ?? "",
        },
        `${r.hostname}|${r.path}|${r.service}`,
      ),
    );
  }

  // One subject per originRequest block, at the level where it is written.
  const requestSubject = (
    level: "top-level" | "ingress",
    request: Obj,
    position: { line: number; column: number },
    affected: readonly Rule[],
    hostname: string,
    service: string,
  ) =>
    lineSubject(
      "tunnel-origin-request",
      file,
      lines,
      position,
      {
        ...common,
        level,
        scope:
          level === "top-level"
            ? "top-level originRequest"
            : `originRequest of ${hostname || "the catch-all rule"}`,
        hostname,
        service,
        noTLSVerify: "noTLSVerify" in request ? text(request.noTLSVerify) : "",
        caPool: text(request.caPool),
        originServerName: text(request.originServerName),
        affectedRules: affected.length,
        affectsHttps: affected.some((r) => r.origin.scheme === "https"),
      },
      `${level}|${hostname}|${service}`,
    );
  if (topRequest) {
    out.push(
      requestSubject(
        "top-level",
        topRequest,
        at("originRequest", "noTLSVerify"),
        rules.filter((r) => r.ownNoTls === undefined),
        "",
        "",
      ),
    );
  }
  for (const r of rules) {
    if (!r.request) continue;
    out.push(
      requestSubject(
        "ingress",
        r.request,
        at("ingress", r.index, "originRequest", "noTLSVerify"),
        [r],
        r.hostname,
        r.service,
      ),
    );
  }
  return out;
}

/** How a message names an ingress rule. */
function routeName(hostname: string, path: string): string {
  if (!hostname && !path) return "the catch-all rule";
  return `${hostname || "*"}${path ? ` (path ${path})` : ""}`;
}

/** YAML true, or a string cloudflared's flag parser would read as true. */
function isTrue(v: Json | undefined): boolean {
  return v === true || /^(true|1|yes|on)$/i.test(text(v).trim());
}
