// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell `${VAR}` syntax is the input under test

import { describe, expect, it } from "vitest";
import type { SkippedFile, Subject } from "../src/engine/types.js";
import { projectSubjects } from "../src/sources/all.js";
import { normalizeCommand, scriptKindOf, splitShell } from "../src/sources/scripts.js";
import { ALNUM, seeded } from "./support/fake.js";
import { memoryProject } from "./support/memory-project.js";

// The scripts source on real text: shell splitting (quotes, comments, continuations, heredocs),
// the program behind wrappers, Makefile recipes, Procfile entries and package.json script lines.

async function commands(
  files: Record<string, string>,
): Promise<{ subjects: Subject[]; skipped: SkippedFile[] }> {
  const skipped: SkippedFile[] = [];
  const { subjects } = await projectSubjects(memoryProject(files), skipped);
  return { subjects: subjects.filter((s) => s.kind === "script-command"), skipped };
}

const summary = (s: Subject) => [s.location.line, s.fields.script, s.fields.program, s.fields.args];

describe("which files are scripts", () => {
  it.each([
    ["run.sh", "shell"],
    ["deploy.bash", "shell"],
    ["Makefile", "make"],
    ["makefile", "make"],
    ["GNUmakefile", "make"],
    ["rules.mk", "make"],
    ["Procfile", "procfile"],
    ["Procfile.dev", "procfile"],
    ["package.json", "npm"],
    ["package-lock.json", undefined],
    ["README.md", undefined],
    ["run.sh.md", undefined],
  ])("%s -> %s", (name, kind) => {
    expect(scriptKindOf(name)).toBe(kind);
  });
});

describe("splitting shell text into commands", () => {
  it.each([
    ["a; b && c || d | e & f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]],
    [
      "echo 'single # quoted' \"double # quoted\" # a comment",
      [["echo", "single # quoted", "double # quoted"]],
    ],
    ["# only a comment\n\n", []],
    [
      "uvicorn app:app \\\n  --host 0.0.0.0 \\\n  --port 8000",
      [["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]],
    ],
    ["echo a#b", [["echo", "a#b"]]],
    ["cat <<EOF\nuvicorn --host 0.0.0.0\nEOF\nls", [["cat"], ["ls"]]],
    ["cat <<-'END' > out.txt\n\tflask run --host=0.0.0.0\n\tEND\npwd", [["cat"], ["pwd"]]],
    ["python app.py > log.txt 2>&1", [["python", "app.py"]]],
    ['echo "$(date) started" `whoami`', [["echo", "$(date) started", "`whoami`"]]],
    ["if [ -f .env ]; then set -a; fi", [["if", "[", "-f", ".env", "]"], ["then", "set", "-a"], ["fi"]]],
    ['echo "a\\"b" \\$HOME', [["echo", 'a"b', "$HOME"]]],
  ])("%j", (text, want) => {
    const got = splitShell(text, 1);
    expect(typeof got === "string" ? got : got.map((c) => c.words)).toEqual(want);
  });

  it("remembers variables assigned earlier, with defaults for unset ones", () => {
    const got = splitShell(
      'HOST="${HOST:-0.0.0.0}"\nPORT=8000\nuvicorn app:app --host $HOST --port "${PORT}" --workers ${WORKERS}',
      1,
    );
    expect(typeof got === "string" ? got : got.map((c) => [c.line, ...c.words])).toEqual([
      [1, "HOST=0.0.0.0"],
      [2, "PORT=8000"],
      [3, "uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "${WORKERS}"],
    ]);
  });

  it("points each command at the line where it starts", () => {
    const got = splitShell("a \\\n  b\nc; d\n\n'multi\nline' e\nf", 1);
    expect(typeof got === "string" ? got : got.map((c) => [c.line, c.words[0]])).toEqual([
      [1, "a"],
      [3, "c"],
      [3, "d"],
      [5, "multi\nline"],
      [7, "f"],
    ]);
  });

  it.each([
    ["echo 'never closed", /unterminated single quote on line 1/],
    ['ls\necho "never closed\n', /unterminated double quote on line 2/],
  ])("rejects %j", (text, reason) => {
    expect(splitShell(text, 1)).toMatch(reason);
  });
});

describe("the program behind the wrappers", () => {
  it.each([
    ["uvicorn app:app", "uvicorn", "app:app", []],
    ["exec poetry run uvicorn app:app", "uvicorn", "app:app", []],
    ["HOST=0.0.0.0 PORT=3000 node server.js", "node", "server.js", ["HOST=0.0.0.0", "PORT=3000"]],
    ["env -u DEBUG HOST=:: nohup gunicorn -b :8000 app:app", "gunicorn", "-b :8000 app:app", ["HOST=::"]],
    ["sudo -u www-data .venv/bin/gunicorn app:app", "gunicorn", "app:app", []],
    ["python3 -m http.server 8080", "http.server", "8080", []],
    ["python -u manage.py runserver 0:8000", "manage.py", "runserver 0:8000", []],
    ["uv run --env-file .env flask run --host=0.0.0.0", "flask", "run --host=0.0.0.0", []],
    ["npx --yes vite --host", "vite", "--host", []],
    ["pnpm exec next dev -H 0.0.0.0", "next", "dev -H 0.0.0.0", []],
    [
      "cross-env NODE_ENV=production HOST=0.0.0.0 node server.js",
      "node",
      "server.js",
      ["NODE_ENV=production", "HOST=0.0.0.0"],
    ],
    ["dotenv -e .env.local -- next start", "next", "start", []],
    ["export HOST=0.0.0.0", "export", "HOST=0.0.0.0", ["HOST=0.0.0.0"]],
    ["npm run dev", "npm", "run dev", []],
    ["echo uvicorn --host 0.0.0.0", "echo", "uvicorn --host 0.0.0.0", []],
  ])("%s", (text, program, args, assignments) => {
    const got = splitShell(text, 1);
    if (typeof got === "string") throw new Error(got);
    const n = normalizeCommand(got[0]?.words ?? []);
    expect([n.program, n.args.join(" "), n.assignments]).toEqual([program, args, assignments]);
  });
});

describe("files", () => {
  it("Makefile: recipes with their targets, make variables expanded, $$ for the shell", async () => {
    const { subjects, skipped } = await commands({
      Makefile: [
        "# Development helpers",
        "HOST ?= 0.0.0.0",
        "PORT := 5000",
        "PY = $(VENV)/bin/python",
        "",
        ".PHONY: run test",
        "run: install",
        "\t@echo starting on $(HOST)",
        "\t$(PY) -m flask run --host=$(HOST) \\",
        "\t  --port=$(PORT)",
        "",
        "test:",
        "\t-pytest -q # comment",
        "\tfor f in *.sh; do shellcheck $$f; done",
        "ifeq ($(CI),true)",
        "lint: ; ruff check .",
        "endif",
        "define HELP",
        "uvicorn --host 0.0.0.0",
        "endef",
        "",
      ].join("\n"),
    });
    expect(skipped).toEqual([]);
    expect(subjects.map(summary)).toEqual([
      [8, "run", "echo", "starting on 0.0.0.0"],
      [9, "run", "flask", "run --host=0.0.0.0 --port=5000"],
      [13, "test", "pytest", "-q"],
      [14, "test", "for", "f in *.sh"],
      [14, "test", "shellcheck", "$f"],
      [14, "test", "done", ""],
      [16, "lint", "ruff", "check ."],
    ]);
  });

  it("Procfile: one entry per process type, $PORT marks the platform's port", async () => {
    const { subjects } = await commands({
      Procfile:
        "# processes\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\nworker: celery -A app worker\nnot a process line\n",
    });
    expect(subjects.map((s) => [...summary(s), s.fields.platformPort])).toEqual([
      [2, "web", "gunicorn", "app:app --bind 0.0.0.0:$PORT", true],
      [3, "worker", "celery", "-A app worker", false],
    ]);
  });

  it("package.json: each script at its key's line, `//` annotations ignored, nothing but scripts read", async () => {
    const { subjects } = await commands({
      "web/package.json": [
        "{",
        '  "name": "web",',
        '  "description": "run vite --host to share it",',
        '  "scripts": {',
        '    "//": "ruleid: script-bind-all-interfaces",',
        '    "dev": "vite --host",',
        '    "build": "tsc && vite build",',
        '    "dev:api": "cd ../api && uvicorn app:app --reload"',
        "  }",
        "}",
        "",
      ].join("\n"),
    });
    expect(subjects.map(summary)).toEqual([
      [6, "dev", "vite", "--host"],
      [7, "build", "tsc", ""],
      [7, "build", "vite", "build"],
      [8, "dev:api", "cd", "../api"],
      [8, "dev:api", "uvicorn", "app:app --reload"],
    ]);
  });

  it("package.json: a minified file, duplicate keys and a script name used as another key still get lines", async () => {
    const { subjects } = await commands({
      "a/package.json": '{"scripts":{"dev":"vite --host"}}',
      "b/package.json": '{\n  "scripts": {\n    "dev": "vite",\n    "dev": "vite --host"\n  }\n}\n',
      // `"dev":` twice in the text: the text search steps aside for yaml's exact ranges.
      "c/package.json":
        '{\n  "config": { "dev": "vite" },\n  "scripts": {\n    "dev": "vite --host"\n  }\n}\n',
      // Once as a key, once inside a string value: still the key's line.
      "d/package.json":
        '{\n  "description": "run \\"dev\\": it serves",\n  "scripts": {\n    "dev": "vite --host"\n  }\n}\n',
    });
    expect(subjects.map((s) => [s.location.file, ...summary(s)])).toEqual([
      ["a/package.json", 1, "dev", "vite", "--host"],
      ["b/package.json", 3, "dev", "vite", "--host"],
      ["c/package.json", 4, "dev", "vite", "--host"],
      ["d/package.json", 4, "dev", "vite", "--host"],
    ]);
  });

  it("shell: `sh -c` runs its argument, a secret on the command line is the subject's secret", async () => {
    const key = `sk-proj-${seeded(40, ALNUM, 41)}`;
    const { subjects } = await commands({
      "run.sh": `#!/bin/sh\nsh -c "uvicorn app:app --host 0.0.0.0"\nOPENAI_API_KEY=${key} python app.py --token ${seeded(24, ALNUM, 43)}\n`,
    });
    expect(subjects.map(summary)).toEqual([
      [2, "", "sh", "-c uvicorn app:app --host 0.0.0.0"],
      [2, "", "uvicorn", "app:app --host 0.0.0.0"],
      [3, "", "app.py", `--token ${seeded(24, ALNUM, 43)}`],
    ]);
    expect(subjects[2]?.secrets).toEqual(expect.arrayContaining([key, seeded(24, ALNUM, 43)]));
  });

  it("marks scripts that a Dockerfile copies or runs, or that are named like entrypoints", async () => {
    const { subjects } = await commands({
      "docker/Dockerfile":
        'FROM python:3.12-slim\nCOPY bin/ /app/bin/\nCOPY *.bash /opt/\nUSER app\nENTRYPOINT ["/app/wait-for-db.sh"]\n',
      "docker/bin/migrate.sh": "alembic upgrade head\n",
      "docker/seed.bash": "python seed.py\n",
      "scripts/wait-for-db.sh": "pg_isready\n",
      "scripts/docker-start.sh": "gunicorn app:app\n",
      "scripts/entrypoint.prod.sh": "gunicorn app:app\n",
      "scripts/dev.sh": "flask run\n",
    });
    expect(
      subjects
        .map((s) => [s.location.file, s.fields.runsInContainer])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ["docker/bin/migrate.sh", true],
      ["docker/seed.bash", true],
      ["scripts/dev.sh", false],
      ["scripts/docker-start.sh", true],
      ["scripts/entrypoint.prod.sh", true],
      ["scripts/wait-for-db.sh", true],
    ]);
  });
});

describe("malformed scripts are skipped with a reason", () => {
  it.each([
    ["package.json", '{\n  "scripts": {\n    "dev": "vite",\n  }\n}\n', /^invalid JSON/],
    ["package.json", "[1, 2]\n", /not a JSON object/],
    ["package.json", '{"scripts": ["vite"]}', /`scripts` is not an object/],
    ["run.sh", "#!/bin/sh\necho 'oops\n", /unterminated single quote on line 2/],
    // Spaces instead of a tab: make reads `flask run` as nothing it knows (`uvicorn app:app` would be a rule).
    ["Makefile", "run:\n    flask run\n", /line 2 .*missing separator/],
    ["Makefile", 'run:\n\techo "oops\n', /recipe of run: unterminated double quote/],
  ])("%s: %j", async (name, text, reason) => {
    const { subjects, skipped } = await commands({ [name]: text, ".env": "APP_NAME=demo\n" });
    expect(subjects).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.path).toBe(name);
    expect(skipped[0]?.reason).toMatch(reason);
  });

  it("a package.json without scripts is read silently", async () => {
    expect(await commands({ "package.json": '{"name": "lib", "version": "1.0.0"}' })).toEqual({
      subjects: [],
      skipped: [],
    });
  });
});
