// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${VAR}` syntax is the input under test

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SkippedFile } from "../src/engine/types.js";
import { projectSubjects } from "../src/sources/all.js";
import {
  type DockerfileDocument,
  dockerWords,
  imageParts,
  isDockerfileName,
  parseDockerfile,
  substituteArgs,
} from "../src/sources/dockerfile.js";
import { assertBuilt, runCli, scanJson } from "./support/cli.js";
import { ALNUM, seeded } from "./support/fake.js";
import { memoryProject } from "./support/memory-project.js";

// The Dockerfile source on real text: what BuildKit accepts is read the way BuildKit reads it,
// what BuildKit refuses is skipped with a reason, and a secret in an ENV never leaves whole.

function parse(text: string): DockerfileDocument {
  const doc = parseDockerfile("Dockerfile", text);
  if (typeof doc === "string") throw new Error(doc);
  return doc;
}

describe("which files are Dockerfiles", () => {
  it.each([
    ["Dockerfile", true],
    ["Containerfile", true],
    ["Dockerfile.prod", true],
    ["Dockerfile.dev.local", true],
    ["api.Dockerfile", true],
    ["worker.dockerfile", true],
    ["Dockerfile.md", false],
    ["Dockerfile.dockerignore", false],
    ["api.Dockerfile.dockerignore", false],
    ["Dockerfile.sh", false],
    ["Dockerfile~", false],
    ["dockerfile-notes.txt", false],
    ["MyDockerfile", false],
  ])("%s -> %s", (name, expected) => {
    expect(isDockerfileName(name)).toBe(expected);
  });
});

describe("instructions", () => {
  it.each([
    {
      name: "continuation lines, with comments and blank lines between them",
      text: "FROM alpine:3.20\nRUN apk add \\\n# a comment inside the continuation\n\n    curl \\\n    git\nUSER app\n",
      want: [
        ["FROM", 1, "alpine:3.20"],
        ["RUN", 2, "apk add     curl     git"],
        ["USER", 7, "app"],
      ],
    },
    {
      name: "a `#` mid-line is not a comment; a `#` line is",
      text: '# a comment\nFROM alpine:3.20\n  # an indented comment\nRUN echo "a # b" # not a comment either\n',
      want: [
        ["FROM", 2, "alpine:3.20"],
        ["RUN", 4, 'echo "a # b" # not a comment either'],
      ],
    },
    {
      name: "the escape directive switches continuation to a backtick",
      text: "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n    C:\\\\\nUSER ContainerUser\n",
      want: [
        ["FROM", 2, "mcr.microsoft.com/windows/servercore:ltsc2022"],
        ["RUN", 3, "dir     C:\\\\"],
        ["USER", 5, "ContainerUser"],
      ],
    },
    {
      name: "a directive after a comment is only a comment",
      text: "# build me\n# escape=`\nFROM alpine:3.20\nRUN echo a \\\n  b\n",
      want: [
        ["FROM", 3, "alpine:3.20"],
        ["RUN", 4, "echo a   b"],
      ],
    },
    {
      name: "heredoc bodies are skipped, including <<- with tabs, quoted and several delimiters",
      text: 'FROM alpine:3.20\nRUN <<EOF\nFROM nothing\nENV NOT=read\nEOF\nRUN <<-"END"\n\techo hi\n\tEND\nCOPY <<a.conf <<b.conf /etc/\nx\na.conf\ny\nb.conf\nUSER app\n',
      want: [
        ["FROM", 1, "alpine:3.20"],
        ["RUN", 2, "<<EOF"],
        ["RUN", 6, '<<-"END"'],
        ["COPY", 9, "<<a.conf <<b.conf /etc/"],
        ["USER", 14, "app"],
      ],
    },
    {
      name: "an unterminated continuation at the end of the file is read, as BuildKit does",
      text: "FROM alpine:3.20\nRUN echo done \\",
      want: [
        ["FROM", 1, "alpine:3.20"],
        ["RUN", 2, "echo done"],
      ],
    },
    {
      name: "lowercase instructions, CRLF line ends and a BOM",
      text: "\uFEFFfrom alpine:3.20\r\nrun echo hi\r\n",
      want: [
        ["FROM", 1, "alpine:3.20"],
        ["RUN", 2, "echo hi"],
      ],
    },
  ])("$name", ({ text, want }) => {
    expect(parse(text).instructions.map((i) => [i.keyword, i.line, i.args])).toEqual(want);
  });

  it.each([
    ['CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]', ["uvicorn", "app:app", "--host", "0.0.0.0"]],
    ['ENTRYPOINT ["/docker-entrypoint.sh"]', ["/docker-entrypoint.sh"]],
    ["CMD [uvicorn, app:app]", undefined],
    ["CMD uvicorn app:app --host 0.0.0.0", undefined],
    ['RUN ["sh", 1]', undefined],
  ])("exec or shell form: %s", (line, exec) => {
    expect(parse(`FROM alpine:3.20\n${line}\n`).instructions[1]?.exec).toEqual(exec);
  });

  it("reads ENV and ARG pairs with quotes, the legacy form and each pair's own line", () => {
    const doc = parse(
      "FROM alpine:3.20\nENV A=1 \\\n    B=\"two words\" \\\n    C='x y'\nENV LEGACY value with spaces\nARG ONE TWO=2\n",
    );
    const pairs = doc.instructions.flatMap((i) => i.pairs.map((p) => [p.key, p.value, p.hasValue, p.line]));
    expect(pairs).toEqual([
      ["A", "1", true, 2],
      ["B", "two words", true, 3],
      ["C", "x y", true, 4],
      ["LEGACY", "value with spaces", true, 5],
      ["ONE", "", false, 6],
      ["TWO", "2", true, 6],
    ]);
  });

  it("flags before the arguments: --from, --platform, --mount", () => {
    const doc = parse(
      "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN --mount=type=cache,target=/root/.cache go build\nFROM alpine:3.20\nCOPY --from=build --chown=app /out /bin/app\n",
    );
    expect(doc.instructions.map((i) => [i.keyword, i.flags, i.args])).toEqual([
      ["FROM", ["--platform=$BUILDPLATFORM"], "golang:1.23 AS build"],
      ["RUN", ["--mount=type=cache,target=/root/.cache"], "go build"],
      ["FROM", [], "alpine:3.20"],
      ["COPY", ["--from=build", "--chown=app"], "/out /bin/app"],
    ]);
  });
});

describe("stages", () => {
  it("names stages, resolves global ARGs and tells stages from images", () => {
    const doc = parse(
      [
        "ARG PY_VERSION=3.12",
        "ARG REGISTRY",
        "FROM python:${PY_VERSION}-slim AS Build",
        "USER builder",
        "FROM ${REGISTRY}/base:1.0 AS base",
        "FROM build",
        "FROM python:${PY_TAG:-3.11}",
        "",
      ].join("\n"),
    );
    expect(doc.stages.map((s) => [s.name, s.image, s.resolved, s.parent, s.user?.value])).toEqual([
      ["build", "python:3.12-slim", true, undefined, "builder"],
      ["base", "${REGISTRY}/base:1.0", false, undefined, undefined],
      ["", "build", true, 0, "builder"],
      ["", "python:3.11", true, undefined, undefined],
    ]);
  });

  it.each([
    ["python:3.12-slim", "3.12-slim", ""],
    ["localhost:5000/app", "", ""],
    ["registry.example.com:5000/team/app:1.2", "1.2", ""],
    ["python@sha256:abc", "", "sha256:abc"],
    ["python:3.12@sha256:abc", "3.12", "sha256:abc"],
  ])("image parts of %s", (image, tag, digest) => {
    expect(imageParts(image)).toEqual({ tag, digest });
  });

  it.each([
    ["$A-${B}", "1-2", true],
    ["${C:-x}", "x", true],
    ["${A:+set}", "set", true],
    ["${MISSING}", "${MISSING}", false],
  ])("substitutes %s", (text, value, resolved) => {
    expect(
      substituteArgs(
        text,
        new Map([
          ["A", "1"],
          ["B", "2"],
        ]),
      ),
    ).toEqual({ value, resolved });
  });

  it("splits words the way Docker does", () => {
    expect(dockerWords(`a "b c" 'd e' f\\ g "h\\"i"`).map((w) => w.value)).toEqual([
      "a",
      "b c",
      "d e",
      "f g",
      'h"i',
    ]);
  });
});

describe("what Docker refuses is skipped with a reason", () => {
  it.each([
    ["an empty file", "", /no instructions/],
    ["only comments", "# nothing here\n\n", /no instructions/],
    ["only a global ARG", "ARG VERSION=1\n", /no FROM/],
    ["RUN before FROM", "RUN echo hi\nFROM alpine:3.20\n", /RUN on line 1 comes before the first FROM/],
    ["an unknown instruction", "FROM alpine:3.20\nRUNN echo hi\n", /unknown instruction "RUNN" on line 2/],
    ["a shell script by mistake", "#!/bin/sh\nset -e\n", /unknown instruction "set"/],
    [
      "an unterminated heredoc",
      "FROM alpine:3.20\nRUN <<EOF\necho hi\n",
      /unterminated heredoc <<EOF started on line 2/,
    ],
    ["FROM with two words", "FROM alpine 3.20\n", /FROM on line 1 needs an image/],
    ["a duplicate stage name", "FROM a:1 AS x\nFROM b:1 AS X\n", /duplicate build stage name "x"/],
    ["an invalid escape directive", "# escape=!\nFROM alpine:3.20\n", /invalid escape token/],
    ["ENV without a value", "FROM alpine:3.20\nENV KEY\n", /ENV on line 2 has a name but no value/],
    ["ENV mixing forms", "FROM alpine:3.20\nENV A=1 B\n", /"B" is not of the form name=value/],
  ])("%s", (_name, text, reason) => {
    const got = parseDockerfile("Dockerfile", text);
    expect(typeof got).toBe("string");
    expect(got).toMatch(reason);
  });

  it("a scan lists the broken Dockerfile under skipped and still reads the rest", async () => {
    const skipped: SkippedFile[] = [];
    const { subjects } = await projectSubjects(
      memoryProject({
        Dockerfile: "FROM alpine:3.20\nRUN <<EOF\necho never closed\n",
        "api/Dockerfile": "FROM python:3.12-slim\nUSER app\n",
      }),
      skipped,
    );
    expect(skipped).toEqual([{ path: "Dockerfile", reason: "unterminated heredoc <<EOF started on line 2" }]);
    expect(subjects.filter((s) => s.kind === "dockerfile").map((s) => s.location.file)).toEqual([
      "api/Dockerfile",
    ]);
  });
});

describe("subjects", () => {
  it("the per-file subject knows the final user, inherited through stages", async () => {
    const { subjects } = await projectSubjects(
      memoryProject({
        Dockerfile:
          'FROM node:20.18.0-alpine AS base\nUSER node\nFROM base AS final\nCMD ["node", "server.js"]\n',
      }),
      [],
    );
    const file = subjects.find((s) => s.kind === "dockerfile");
    expect(file?.fields).toMatchObject({
      finalUser: "node",
      hasUser: true,
      finalImage: "node:20.18.0-alpine",
      finalStage: "final",
      stages: 2,
    });
    expect(file?.location.line).toBe(3);
    expect(file?.fieldLocations.finalUser?.line).toBe(2);
  });
});

describe("a secret in an ENV never leaves whole", () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "secaudit-dockerfile-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("is masked in the JSON and text reports", () => {
    assertBuilt();
    const openai = `sk-proj-${seeded(40, ALNUM, 31)}`;
    const session = seeded(32, ALNUM, 37);
    const root = path.join(base, "project");
    mkdirSync(root, { recursive: true });
    writeFileSync(
      path.join(root, "Dockerfile"),
      `FROM python:3.12-slim\nENV APP_ENV=production \\\n    OPENAI_API_KEY="${openai}" \\\n    SESSION_SECRET=${session}\nUSER app\n`,
    );
    const { report } = scanJson(root, ["--fail-on", "none"]);
    const text = runCli(["scan", root, "--fail-on", "none"]).stdout;
    const found = report.findings.filter((f) => f.ruleId === "docker-secret-in-env");
    expect(found.map((f) => f.location.line)).toEqual([3, 4]);
    const json = JSON.stringify(report);
    for (const secret of [openai, session]) {
      expect(json.includes(secret), secret.slice(0, 4)).toBe(false);
      expect(text.includes(secret), secret.slice(0, 4)).toBe(false);
      // At most the first four characters are shown.
      expect(json.includes(secret.slice(0, 12)), secret.slice(0, 4)).toBe(false);
    }
  });
});
