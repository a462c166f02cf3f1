import type { FieldValue, Subject } from "../engine/types.js";
import { isServerSecretEntry } from "../predicates/index.js";
import { mayBeSecret, providerSecret, secretPartOf } from "../predicates/secrets.js";
import { fileRole } from "./env.js";
import type { FileSource, SourceContext } from "./file-source.js";
import { lineSubject } from "./file-source.js";
import type { ProjectFile } from "./files.js";
import { type TomlLeaf, tomlOf } from "./toml.js";

// Streamlit's two project files, both TOML in a `.streamlit/` directory next to the app:
// config.toml (server settings: address, CORS, XSRF...) and secrets.toml (st.secrets: API keys,
// passwords, connection credentials), plus their committed template variants.

/** `config.toml`, `secrets.toml`, and `.example`/`.sample`/`.template` variants on either side of `.toml`. */
const STREAMLIT_FILE =
  /^(config|secrets)(\.toml(\.(example|sample|template|tmpl|tpl|dist))?|\.(example|sample|template)\.toml)$/i;

export function isStreamlitFile(relPath: string, name: string): boolean {
  const parts = relPath.split("/");
  return parts.length >= 2 && parts[parts.length - 2] === ".streamlit" && STREAMLIT_FILE.test(name);
}

/** A key path as an env-style name (`passwords.alice` -> PASSWORDS_ALICE), for the secret-name predicates. */
export function envStyleName(path: readonly string[]): string {
  return path
    .filter((s) => !/^\d+$/.test(s))
    .map((s) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2"))
    .join("_")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
}

/**
 * Where the project runs Streamlit inside a container, if it does: a compose service whose image,
 * command or entrypoint names streamlit, or a Dockerfile whose CMD/ENTRYPOINT runs it. There, a
 * 0.0.0.0 bind is needed and reaches only the container's network; what the host publishes is the
 * compose rules' business.
 */
export function streamlitContainer(context: SourceContext): string | undefined {
  for (const compose of context.composeFiles) {
    for (const s of compose.services) {
      const run = [s.image?.value, s.command?.value, s.entrypoint?.value].join(" ");
      if (/streamlit/i.test(run)) return `${compose.path} (service ${s.name})`;
    }
  }
  for (const [path, file] of context.files) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (!/^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.(dockerfile|containerfile)$/i.test(name)) continue;
    if (/^\s*(CMD|ENTRYPOINT)\b[^\n]*\bstreamlit\b/im.test(file.text)) return path;
  }
  return undefined;
}

/** What to mask for one value: the value (or a URL's password), its escaped form, each line of a multi-line value. */
function valueSecrets(name: string, value: string): string[] {
  if (!mayBeSecret(name, value)) return [];
  const part = secretPartOf(value);
  const out = [part, JSON.stringify(part).slice(1, -1)];
  for (const piece of part.split(/\r?\n/)) if (piece.trim().length >= 8) out.push(piece.trim());
  return out;
}

const SKIP_CONFIG = "no Streamlit .streamlit/config.toml";
const SKIP_SECRETS = "no Streamlit .streamlit/secrets.toml";

export const streamlitSource: FileSource = {
  name: "streamlit",
  kinds: {
    "streamlit-setting": SKIP_CONFIG,
    "streamlit-secret": SKIP_SECRETS,
    "streamlit-secrets-file": SKIP_SECRETS,
  },
  isCandidate: isStreamlitFile,
  subjects(file: ProjectFile, context: SourceContext): Subject[] | string | null {
    const doc = tomlOf(file);
    if (typeof doc === "string") return doc;
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const role = fileRole(file.path);
    if (name.toLowerCase().startsWith("config"))
      return settingSubjects(file, doc.leaves, doc.lines, role, context);
    return secretSubjects(file, doc.leaves, doc.lines, role, context);
  },
};

function settingSubjects(
  file: ProjectFile,
  leaves: readonly TomlLeaf[],
  lines: readonly string[],
  role: string,
  context: SourceContext,
): Subject[] {
  const container = streamlitContainer(context);
  const setting = (leaf: TomlLeaf) => leaf.path.join(".");
  const xsrf = leaves.find((l) => setting(l) === "server.enableXsrfProtection");
  const common: Record<string, FieldValue> = {
    "file.role": role,
    // Streamlit's default is on; if it is on, it turns CORS protection back on too.
    xsrfProtection: xsrf ? !/^(false|0)$/i.test(xsrf.value.trim()) : true,
    runsInContainer: container !== undefined,
    "runsInContainer.where": container ?? "",
  };
  return leaves.map((leaf) => {
    const envName = envStyleName(leaf.path);
    return lineSubject(
      "streamlit-setting",
      file,
      lines,
      leaf,
      {
        ...common,
        section: leaf.path.length > 1 ? (leaf.path[0] ?? "") : "",
        key: leaf.path.length > 1 ? leaf.path.slice(1).join(".") : (leaf.path[0] ?? ""),
        setting: setting(leaf),
        value: leaf.value,
        valueType: leaf.type,
      },
      setting(leaf),
      // server.cookieSecret signs Streamlit's cookies: it must never be shown whole.
      valueSecrets(envName, leaf.value),
    );
  });
}

function secretSubjects(
  file: ProjectFile,
  leaves: readonly TomlLeaf[],
  lines: readonly string[],
  role: string,
  context: SourceContext,
): Subject[] {
  const common: Record<string, FieldValue> = {
    "file.role": role,
    "file.gitIgnored": file.gitIgnored,
    "git.available": context.git.available,
    "git.tracked": context.git.tracked.has(file.path),
  };
  const out: Subject[] = [];
  const fileSecrets: string[] = [];
  let real = 0;
  let providers = 0;
  let first: { leaf: TomlLeaf; provider: string } | undefined;
  for (const leaf of leaves) {
    const envName = envStyleName(leaf.path);
    const provider = leaf.type === "string" ? (providerSecret(leaf.value) ?? "") : "";
    const realSecret = leaf.type === "string" && isServerSecretEntry(envName, leaf.value);
    const secrets = valueSecrets(envName, leaf.value);
    fileSecrets.push(...secrets);
    if (realSecret) {
      real++;
      if (provider) providers++;
      // The finding points at the worst secret: the first provider key, else the first secret.
      if (!first || (provider && !first.provider)) first = { leaf, provider };
    }
    out.push(
      lineSubject(
        "streamlit-secret",
        file,
        lines,
        leaf,
        {
          ...common,
          path: leaf.path.join("."),
          key: leaf.path[leaf.path.length - 1] ?? "",
          table: leaf.path.slice(0, -1).join("."),
          envName,
          value: leaf.value,
          valueType: leaf.type,
          provider,
          realSecret,
        },
        leaf.path.join("."),
        secrets,
      ),
    );
  }
  out.push(
    lineSubject(
      "streamlit-secrets-file",
      file,
      lines,
      first?.leaf ?? { line: 1, column: 1 },
      {
        ...common,
        entries: leaves.length,
        realSecrets: real,
        providerSecrets: providers,
        firstSecret: first ? first.leaf.path.join(".") : "",
        provider: first?.provider ?? "",
      },
      file.path,
      fileSecrets,
    ),
  );
  return out;
}
