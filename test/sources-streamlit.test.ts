import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SkippedFile, Subject } from "../src/engine/types.js";
import { projectSubjects } from "../src/sources/all.js";
import { parseCompose } from "../src/sources/compose.js";
import {
  envStyleName,
  isStreamlitFile,
  streamlitContainer,
  streamlitSource,
} from "../src/sources/streamlit.js";
import { parseTomlWithLines } from "../src/sources/toml.js";
import { assertBuilt, runCli } from "./support/cli.js";
import { ALNUM, seeded } from "./support/fake.js";
import { memoryProject } from "./support/memory-project.js";

// The Streamlit source with real parsing: smol-toml for values, our line scan for positions.

async function scan(files: Record<string, string>, tracked?: readonly string[]) {
  const skipped: SkippedFile[] = [];
  const { subjects } = await projectSubjects(memoryProject(files, tracked), skipped);
  return { subjects, skipped };
}
const ofKind = (subjects: readonly Subject[], kind: string) => subjects.filter((s) => s.kind === kind);

describe("parseTomlWithLines: the line of every key", () => {
  it.each([
    ["root keys", 'a = 1\n\nb = "x" # comment\n', { a: 1, b: 3 }],
    [
      "tables and nested tables",
      "[server]\nport = 8501\n\n[auth.google]\nclient_id = 'id'\n",
      {
        "server.port": 2,
        "auth.google.client_id": 5,
      },
    ],
    [
      "dotted keys, with spaces, at the root and in a table",
      "server.address = '::'\n[x]\ny . z = 1\n",
      {
        "server.address": 1,
        "x.y.z": 3,
      },
    ],
    [
      "quoted keys holding dots and spaces",
      '"a.b" = 1\n[t."q r"]\n\'lit.k\' = 2\n',
      {
        "a.b": 1,
        "t.q r.lit.k": 3,
      },
    ],
    [
      "a multi-line string whose content looks like keys and headers",
      'pem = """\nfake = 1\n[server]\n"""\nafter = 2\n',
      { pem: 1, after: 5 },
    ],
    [
      "a multi-line literal string ending in extra quotes",
      "a = '''x = 1\nit's ''''\nb = 3\n",
      { a: 1, b: 3 },
    ],
    [
      "a multi-line array with comments and brackets in strings",
      'hosts = [\n  "a]", # c = 1\n  "[b",\n]\nnext = true\n',
      { hosts: 1, next: 5 },
    ],
    [
      "keys of an inline table share its line",
      'db = { user = "app", password = "x" }\n',
      {
        "db.user": 1,
        "db.password": 1,
      },
    ],
    [
      "arrays of tables, numbered, with sub-tables",
      '[[u]]\nn = "a"\n[[u]]\nn = "b"\n[u.meta]\nk = 1\n',
      {
        "u.0.n": 2,
        "u.1.n": 4,
        "u.1.meta.k": 6,
      },
    ],
    [
      "an array of inline tables over several lines: each item at its own line",
      'users = [\n  { name = "a", password = "x" },\n  # a comment\n  { name = "b" },\n]\nnext = 1\n',
      { "users.0.name": 2, "users.0.password": 2, "users.1.name": 4, next: 6 },
    ],
    ["a hash inside a string is not a comment", 'a = "x # y"\nb = 2\n', { a: 1, b: 2 }],
    [
      "CRLF line endings and a BOM",
      "\uFEFF[server]\r\naddress = '0.0.0.0'\r\nport = 1\r\n",
      {
        "server.address": 2,
        "server.port": 3,
      },
    ],
  ] as const)("%s", (_name, toml, want) => {
    const doc = parseTomlWithLines(toml);
    if (typeof doc === "string") throw new Error(doc);
    const got = Object.fromEntries(doc.leaves.map((l) => [l.path.join("."), l.line]));
    expect(got).toEqual(want);
  });

  it("gives values as the parser reads them", () => {
    const doc = parseTomlWithLines('a = "line\\nnext"\nb = false\nc = 3\nd = [1, 2]\n');
    if (typeof doc === "string") throw new Error(doc);
    expect(doc.leaves.map((l) => [l.value, l.type])).toEqual([
      ["line\nnext", "string"],
      ["false", "boolean"],
      ["3", "number"],
      ["1, 2", "array"],
    ]);
  });
});

describe("malformed TOML is a skip reason that quotes no content", () => {
  const secret = `sk-proj-${seeded(32, ALNUM, 41)}`;
  it.each([
    ["unclosed table header", `a = 1\n[server\nkey = "${secret}"\n`, /^invalid TOML at line 2: /],
    ["missing value", `key = "${secret}"\nother =\n`, /^invalid TOML at line 2: /],
    ["a key defined twice", `key = "${secret}"\nkey = "${secret}"\n`, /^invalid TOML at line 2: /],
    ["unterminated string", `key = "${secret}\n`, /^invalid TOML at line 1: /],
  ])("%s", async (_name, text, reason) => {
    const { subjects, skipped } = await scan({ ".streamlit/secrets.toml": text });
    expect(ofKind(subjects, "streamlit-secret")).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.path).toBe(".streamlit/secrets.toml");
    expect(skipped[0]?.reason).toMatch(reason);
    expect(skipped[0]?.reason).not.toContain(secret.slice(0, 12));
  });
});

describe("candidates", () => {
  it.each([
    [".streamlit/config.toml", true],
    [".streamlit/secrets.toml", true],
    ["apps/chat/.streamlit/secrets.toml", true],
    [".streamlit/secrets.toml.example", true],
    [".streamlit/secrets.example.toml", true],
    [".streamlit/config.toml.template", true],
    [".streamlit/secrets.toml.sample", true],
    ["config.toml", false],
    ["streamlit/secrets.toml", false],
    [".streamlit/credentials.toml", false],
    ["pyproject.toml", false],
  ])("%s -> %s", (p, want) => {
    expect(isStreamlitFile(p, p.slice(p.lastIndexOf("/") + 1))).toBe(want);
  });
});

describe("envStyleName", () => {
  it.each([
    [["OPENAI_API_KEY"], "OPENAI_API_KEY"],
    [["server", "cookieSecret"], "SERVER_COOKIE_SECRET"],
    [["passwords", "alice"], "PASSWORDS_ALICE"],
    [["connections", "my-db", "password"], "CONNECTIONS_MY_DB_PASSWORD"],
    [["users", "0", "token"], "USERS_TOKEN"],
  ])("%j -> %s", (p, want) => {
    expect(envStyleName(p)).toBe(want);
  });
});

describe("streamlit subjects", () => {
  it("a setting carries section, key, setting and the file's XSRF state", async () => {
    const { subjects } = await scan({
      ".streamlit/config.toml": "[server]\nenableXsrfProtection = false\naddress = '0.0.0.0'\n",
    });
    const address = ofKind(subjects, "streamlit-setting").find((s) => s.fields.setting === "server.address");
    expect(address?.fields).toMatchObject({
      section: "server",
      key: "address",
      value: "0.0.0.0",
      valueType: "string",
      xsrfProtection: false,
      runsInContainer: false,
      "file.role": "real",
    });
    expect(address?.location.line).toBe(3);
  });

  it("a secret carries its path, env-style name, provider and git state; the file counts real secrets", async () => {
    const key = `sk-proj-${seeded(30, ALNUM, 42)}`;
    const { subjects } = await scan(
      {
        ".streamlit/secrets.toml": `MODEL = "gpt-4o-mini"\n[openai]\napi_key = "${key}"\n[passwords]\nbob = "changeme"\n`,
      },
      [".streamlit/secrets.toml"],
    );
    const secret = ofKind(subjects, "streamlit-secret").find((s) => s.fields.path === "openai.api_key");
    expect(secret?.fields).toMatchObject({
      key: "api_key",
      table: "openai",
      envName: "OPENAI_API_KEY",
      provider: "OpenAI API key",
      realSecret: true,
      "git.tracked": true,
    });
    expect(secret?.location.line).toBe(3);
    expect(secret?.secrets).toContain(key);
    const file = ofKind(subjects, "streamlit-secrets-file")[0];
    expect(file?.fields).toMatchObject({ realSecrets: 1, providerSecrets: 1, firstSecret: "openai.api_key" });
    expect(file?.location.line).toBe(3);
    expect(file?.secrets).toContain(key);
  });

  it("an example file has the example role", async () => {
    const { subjects } = await scan({ ".streamlit/secrets.toml.example": 'OPENAI_API_KEY = "sk-..."\n' });
    expect(ofKind(subjects, "streamlit-secrets-file")[0]?.fields["file.role"]).toBe("example");
  });
});

describe("streamlitContainer: does the project run Streamlit in a container?", () => {
  const git = { available: false, tracked: new Set<string>() };
  const compose = (yaml: string) => {
    const doc = parseCompose("docker-compose.yml", yaml, new Map(), false);
    if (typeof doc === "string") throw new Error(doc);
    return doc;
  };
  const dockerfile = (text: string) =>
    new Map([["Dockerfile", { path: "Dockerfile", text, gitIgnored: false }]]);
  it.each([
    [
      "a compose command",
      [compose("services:\n  app:\n    build: .\n    command: streamlit run app.py\n")],
      new Map(),
      "docker-compose.yml (service app)",
    ],
    [
      "a Dockerfile CMD (read when a Dockerfile source is registered)",
      [],
      dockerfile('FROM python:3.12-slim\nCMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0"]\n'),
      "Dockerfile",
    ],
    [
      "a Dockerfile that only mentions it in a comment",
      [],
      dockerfile("FROM python:3.12\n# streamlit\n"),
      undefined,
    ],
    [
      "a compose file running something else",
      [compose("services:\n  db:\n    image: postgres:16\n")],
      new Map(),
      undefined,
    ],
  ])("%s", (_name, composeFiles, files, want) => {
    expect(streamlitContainer({ git, envFiles: [], composeFiles, files })).toBe(want);
  });

  it("runsInContainer reaches the setting subjects", () => {
    const got = streamlitSource.subjects(
      { path: ".streamlit/config.toml", text: "[server]\naddress = '0.0.0.0'\n", gitIgnored: false },
      {
        git,
        envFiles: [],
        composeFiles: [],
        files: dockerfile('FROM python:3.12\nENTRYPOINT ["streamlit", "run"]\n'),
      },
    );
    expect(Array.isArray(got) && got[0]?.fields.runsInContainer).toBe(true);
  });
});

describe("a committed secrets.toml never leaks whole into a report", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each(["text", "json", "sarif", "markdown", "html"])("%s", (format) => {
    assertBuilt();
    const root = mkdtempSync(path.join(os.tmpdir(), "secaudit-streamlit-"));
    dirs.push(root);
    const openai = `sk-proj-${seeded(40, ALNUM, 43)}`;
    const password = seeded(18, ALNUM, 44);
    const cookie = seeded(32, ALNUM, 45);
    mkdirSync(path.join(root, ".streamlit"));
    writeFileSync(
      path.join(root, ".streamlit", "secrets.toml"),
      `OPENAI_API_KEY = "${openai}"\napp_password = "${password}"\n\n[auth]\ncookie_secret = '${cookie}'\n`,
    );
    writeFileSync(path.join(root, ".streamlit", "config.toml"), `[server]\ncookieSecret = "${cookie}"\n`);
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: root });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "init");
    const r = runCli(["scan", root, "--format", format, "--fail-on", "none"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("streamlit-secrets-committed");
    for (const secret of [openai, password, cookie]) expect(r.stdout).not.toContain(secret);
    // Not even most of it: at most the first 4 characters are shown.
    expect(r.stdout).not.toContain(openai.slice(0, 12));
  });
});
