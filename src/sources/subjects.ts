import type { FieldValue, Location, Subject } from "../engine/types.js";
import { clientPrefix, mayBeSecret, secretPartOf } from "../predicates/secrets.js";
import type { ComposeDocument, ComposeService, Located, Position } from "./compose.js";
import { fileRole } from "./env.js";
import type { Project } from "./project.js";

// Flatten the parsed documents into the subjects rules match. Field names here are the match
// language's vocabulary for static rules: README "Writing a rule" lists them.

export const STATIC_SUBJECT_KINDS = ["env-entry", "env-file", "compose-service", "compose-port"] as const;

function loc(file: string, p: Position): Location {
  return { file, line: p.line, column: p.column };
}

function subject(
  kind: string,
  fields: Record<string, FieldValue>,
  location: Location,
  lines: readonly string[],
  identity: string,
  secrets: string[] = [],
  fieldLocations: Record<string, Location> = {},
): Subject {
  const evidence = location.line ? (lines[location.line - 1] ?? "").trim() : "";
  return { kind, fields, location, fieldLocations, evidence, secrets, identity, sourceLines: lines };
}

/**
 * What to mask for one entry: the secret part of the value, the value as written on its line
 * (escapes such as \\n are expanded by dotenv, so the line differs from the value), and each line
 * of a multi-line value.
 */
function entrySecrets(key: string, value: string, line: string | undefined): string[] {
  if (!mayBeSecret(key, value)) return [];
  const writtenMatch = line === undefined ? undefined : /^[^=:]*[=:]\s*(.*)$/.exec(line)?.[1]?.trim();
  const written = writtenMatch?.replace(/^(["'`])(.*?)(\1)?\s*(#.*)?$/, "$2");
  const part = secretPartOf(value);
  // A URL with a password: only the password is secret, the host stays readable.
  if (part !== value) return written ? [part, secretPartOf(written)] : [part];
  const out = [value];
  if (written) out.push(written);
  for (const piece of value.split(/\r?\n/)) if (piece.trim().length >= 8) out.push(piece.trim());
  return out;
}

export function staticSubjects(project: Project): Subject[] {
  const out: Subject[] = [];
  const containerEnvFiles = new Set(
    project.composeFiles.flatMap((c) => c.services.flatMap((s) => s.envFiles)),
  );

  for (const doc of project.envFiles) {
    const fileFields = {
      file: doc.path,
      "file.role": doc.role,
      "file.production": doc.production,
      "file.containerEnv": containerEnvFiles.has(doc.path),
      "file.gitIgnored": doc.gitIgnored,
    };
    const fileSecrets: string[] = [];
    for (const e of doc.entries) {
      const secrets = entrySecrets(e.key, e.value, doc.lines[e.line - 1]);
      fileSecrets.push(...secrets);
      out.push(
        subject(
          "env-entry",
          {
            ...fileFields,
            key: e.key,
            value: e.value,
            prefix: clientPrefix(e.key) ?? "",
            origin: "env-file",
            service: "",
          },
          loc(doc.path, e),
          doc.lines,
          e.key,
          secrets,
        ),
      );
    }
    out.push(
      subject(
        "env-file",
        {
          ...fileFields,
          entries: doc.entries.length,
          "git.available": project.git.available,
          "git.tracked": project.git.tracked.has(doc.path),
        },
        { file: doc.path, line: 1, column: 1 },
        doc.lines,
        doc.path,
        fileSecrets,
      ),
    );
  }

  for (const compose of project.composeFiles) {
    const tracked = project.git.tracked.has(compose.path);
    for (const service of compose.services) out.push(...serviceSubjects(compose, service, tracked));
  }
  return out;
}

function serviceSubjects(compose: ComposeDocument, s: ComposeService, tracked: boolean): Subject[] {
  const file = compose.path;
  const common = {
    file,
    "file.role": fileRole(file),
    "file.production": compose.production,
    service: s.name,
  };
  const out: Subject[] = [];
  const fieldLocations: Record<string, Location> = {};
  const put = (name: string, v: Located | undefined) => {
    if (v) fieldLocations[name] = loc(file, v);
    return v?.value;
  };
  const listField = (name: string, items: Located[]) => {
    items.forEach((v, i) => {
      fieldLocations[`${name}.${i}`] = loc(file, v);
    });
    return items.map((v) => v.value);
  };
  const command = put("command", s.command) ?? "";
  const secrets: string[] = [];
  const pass = /--requirepass[\s=]+(\S+)/.exec(command);
  if (pass?.[1]) secrets.push(pass[1]);
  out.push(
    subject(
      "compose-service",
      {
        ...common,
        image: put("image", s.image) ?? "",
        build: s.build,
        privileged: put("privileged", s.privileged) ?? "",
        networkMode: put("networkMode", s.networkMode) ?? "",
        capAdd: listField("capAdd", s.capAdd),
        volumes: listField("volumes", s.volumes),
        command,
        entrypoint: put("entrypoint", s.entrypoint) ?? "",
        publishedPorts: s.ports.length,
        environmentKeys: s.environmentKeys,
      },
      loc(file, s),
      compose.lines,
      s.name,
      secrets,
      fieldLocations,
    ),
  );
  for (const p of s.ports) {
    out.push(
      subject(
        "compose-port",
        {
          ...common,
          image: s.image?.value ?? "",
          hostIp: p.hostIp,
          published: p.published,
          target: p.target,
          protocol: p.protocol,
          spec: p.spec,
        },
        loc(file, p),
        compose.lines,
        `${s.name}:${p.spec}`,
      ),
    );
  }
  for (const e of s.environment) {
    out.push(
      subject(
        "env-entry",
        {
          ...common,
          "file.containerEnv": true,
          "file.gitIgnored": false,
          "git.tracked": tracked,
          key: e.key,
          value: e.value,
          prefix: clientPrefix(e.key) ?? "",
          origin: "compose",
        },
        loc(file, e),
        compose.lines,
        `${s.name}:${e.key}`,
        entrySecrets(e.key, e.value, compose.lines[e.line - 1]),
      ),
    );
  }
  return out;
}
