import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  type JsonReport,
  type RunOptions,
  runCli,
  STACK_FRAME,
  scanJson,
} from "./support/cli.js";

// Hostile and broken project trees, built under the OS temp dir and scanned by the built CLI.
// Whatever is wrong with one file, the scan goes on: the file is listed under `skipped` with a
// reason, nothing is followed out of the root, nothing hangs, and a plain finding from an ordinary
// `.env` in the same tree is still reported.

const NORMAL_ENV = "APP_NAME=demo\nBACKEND_CORS_ORIGINS=*\n";
const NOBODY = 65534;

let base: string;
let outside: string;

beforeAll(() => {
  assertBuilt();
  base = mkdtempSync(path.join(os.tmpdir(), "secaudit-bad-"));
  outside = mkdtempSync(path.join(os.tmpdir(), "secaudit-outside-"));
  // World-readable and traversable, so the CLI can also run as an unprivileged user.
  chmodSync(base, 0o755);
  chmodSync(outside, 0o755);
});

afterAll(() => {
  for (const dir of [base, outside]) {
    if (!dir) continue;
    // Restore permissions first so everything can be removed.
    spawnSync("chmod", ["-R", "u+rwx", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A project tree under the temp dir: `files` maps relative paths to text or bytes. */
function tree(name: string, files: Record<string, string | Buffer> = {}): string {
  const root = path.join(base, name);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(root, ".env"), NORMAL_ENV, { mode: 0o644 });
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, content, { mode: 0o644 });
  }
  return root;
}

function scan(root: string, extra: readonly string[] = [], options: RunOptions = {}) {
  const { result, report } = scanJson(root, extra, { timeoutMs: 15_000, ...options });
  expect(result.signal, "the scan finished on its own").toBeNull();
  expect(result.stderr).not.toMatch(STACK_FRAME);
  return { result, report };
}

/** The finding every tree carries: the scan went on past the bad file. */
function expectNormalFinding(report: JsonReport): void {
  expect(
    report.findings.filter((f) => f.ruleId === "env-cors-wildcard" && f.location.file === ".env"),
  ).toEqual([expect.objectContaining({ severity: "high", location: { file: ".env", line: 2, column: 1 } })]);
}

const skippedEntry = (report: JsonReport, file: string) =>
  (report.skipped ?? []).find((s) => s.path === file);
const findingsIn = (report: JsonReport, prefix: string) =>
  report.findings.filter((f) => (f.location.file ?? "").startsWith(prefix));

describe("a compose file with invalid YAML", () => {
  const broken = 'services:\n  api:\n    image: app:1.0\n\tports: ["8000:8000"]\n';

  it("is skipped with a reason; other files are still scanned; the exit code ignores it", () => {
    const root = tree("invalid-yaml", {
      "docker-compose.yml": broken,
      "svc/compose.yaml": "services:\n  worker:\n    image: app:1.0\n    privileged: true\n",
    });
    const { result, report } = scan(root);
    const skipped = skippedEntry(report, "docker-compose.yml");
    expect(skipped?.reason).toMatch(/invalid YAML/i);
    // The tab that breaks this file is on line 4.
    expect(skipped?.reason).toMatch(/line 4/);
    expectNormalFinding(report);
    expect(findingsIn(report, "svc/compose.yaml").map((f) => f.ruleId)).toContain("compose-privileged");
    expect(findingsIn(report, "docker-compose.yml")).toEqual([]);
    // The skip itself never fails the build: same exit codes as the tree without it.
    const clean = tree("invalid-yaml-control", {
      "svc/compose.yaml": "services:\n  worker:\n    image: app:1.0\n    privileged: true\n",
    });
    for (const failOn of ["critical", "high", "none"]) {
      const withBroken =
        failOn === "critical" ? result.status : runCli(["scan", root, "--fail-on", failOn]).status;
      expect(withBroken, failOn).toBe(runCli(["scan", clean, "--fail-on", failOn]).status);
    }
    expect(result.status).toBe(0);
    expect(runCli(["scan", root, "--fail-on", "high"]).status).toBe(1);
  });

  it("is listed in the text report too", () => {
    const root = tree("invalid-yaml-text", { "docker-compose.yml": broken });
    const r = runCli(["scan", root]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/docker-compose\.yml: invalid YAML/);
  });
});

describe("a binary file named .env", () => {
  it("is skipped as a binary file", () => {
    const binary = Buffer.concat([
      Buffer.from("API_KEY=abc\n"),
      Buffer.from([0, 1, 2, 0, 255, 0]),
      Buffer.from("X=1\n"),
    ]);
    const root = tree("binary", { "svc/.env": binary });
    const { result, report } = scan(root);
    expect(skippedEntry(report, "svc/.env")?.reason).toMatch(/binary file/);
    expect(findingsIn(report, "svc/")).toEqual([]);
    expectNormalFinding(report);
    expect(result.status).toBe(0);
  });
});

describe("a 50 MB .env.local", () => {
  it("is skipped with the size cap reason, quickly", () => {
    const root = tree("huge");
    writeFileSync(path.join(root, ".env.local"), Buffer.alloc(50 * 1024 * 1024, "A"));
    const started = Date.now();
    const { result, report } = scan(root);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(skippedEntry(report, ".env.local")?.reason).toMatch(/larger than .*cap/i);
    expectNormalFinding(report);
    expect(result.status).toBe(0);
    rmSync(path.join(root, ".env.local"));
  });

  it("honours maxFileBytes from the config", () => {
    const root = tree("small-cap", { "big/.env": `API_KEY=${"x".repeat(300)}\n` });
    writeFileSync(path.join(root, ".secaudit.yaml"), "maxFileBytes: 200\n");
    const { report } = scan(root);
    expect(skippedEntry(report, "big/.env")?.reason).toMatch(/cap/);
    expectNormalFinding(report);
  });
});

describe("an unreadable file", () => {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // Root reads through chmod 000, so as root the CLI runs as `nobody`.
  const asUser: RunOptions = isRoot ? { uid: NOBODY, gid: NOBODY } : {};

  it.skipIf(process.platform === "win32")("the built CLI can run as the unprivileged user", () => {
    // dist/, node_modules/ and rules/ must be readable by `nobody` for the tests below to mean anything.
    const r = runCli(["rules"], asUser);
    expect(r.stderr, "nobody cannot run the built CLI: check permissions on the repo").toBe("");
    expect(r.status).toBe(0);
  });

  it.skipIf(process.platform === "win32")("is skipped with permission denied; the rest is scanned", () => {
    const root = tree("unreadable", {
      ".env.production": "API_KEY=never-read-this-value\n",
      "locked/docker-compose.yml": "services:\n  x:\n    image: redis\n",
    });
    chmodSync(path.join(root, ".env.production"), 0o000);
    chmodSync(path.join(root, "locked"), 0o000);
    const { result, report } = scan(root, [], asUser);
    expect(skippedEntry(report, ".env.production")?.reason).toMatch(/permission denied/);
    expect(skippedEntry(report, "locked")?.reason).toMatch(/unreadable|permission/i);
    expect(findingsIn(report, ".env.production")).toEqual([]);
    expect(result.stdout).not.toContain("never-read-this-value");
    expectNormalFinding(report);
    expect(result.status).toBe(0);
  });
});

describe("symlinks", () => {
  it.skipIf(process.platform === "win32")(
    "a symlink loop is skipped with a reason and never followed",
    () => {
      const root = tree("loop");
      symlinkSync(".env.loop", path.join(root, ".env.loop"));
      symlinkSync("a", path.join(root, "a"));
      // A directory link back to the root must not be walked into.
      symlinkSync(".", path.join(root, "again"));
      const { result, report } = scan(root);
      expect(skippedEntry(report, ".env.loop")?.reason).toMatch(/loop/);
      expect(report.findings.every((f) => !(f.location.file ?? "").startsWith("again/"))).toBe(true);
      expectNormalFinding(report);
      expect(result.status).toBe(0);
    },
  );

  it.skipIf(process.platform === "win32")(
    "a symlink to a file outside the root is skipped and not read",
    () => {
      const secretFile = path.join(outside, "passwd-like.env");
      writeFileSync(
        secretFile,
        "OUTSIDE_ONLY_MARKER=1\nCORS_ORIGINS=*\nSTRIPE_SECRET_KEY=sk_test_outsideoutsideoutside\n",
      );
      const root = tree("outside-link");
      mkdirSync(path.join(root, "svc"));
      symlinkSync(secretFile, path.join(root, "svc", ".env"));
      const outsideDir = path.join(outside, "dir");
      mkdirSync(outsideDir, { recursive: true });
      writeFileSync(
        path.join(outsideDir, "docker-compose.yml"),
        "services:\n  x:\n    image: redis\n    privileged: true\n",
      );
      symlinkSync(outsideDir, path.join(root, "linked-dir"));
      const { result, report } = scan(root);
      expect(skippedEntry(report, "svc/.env")?.reason).toMatch(/outside/);
      expect(findingsIn(report, "svc/")).toEqual([]);
      expect(findingsIn(report, "linked-dir/")).toEqual([]);
      expect(result.stdout).not.toContain("OUTSIDE_ONLY_MARKER");
      expect(result.stdout).not.toContain("outsideoutside");
      expectNormalFinding(report);
      expect(result.status).toBe(0);
    },
  );

  it.skipIf(process.platform === "win32")(
    "a link to a file the walk reads anyway is read once, under the file's own path",
    () => {
      const root = tree("linked-site", {
        "nginx/sites-available/app": "server {\n    listen 80;\n    server_name _;\n    autoindex on;\n}\n",
      });
      mkdirSync(path.join(root, "nginx", "sites-enabled"));
      symlinkSync("../sites-available/app", path.join(root, "nginx", "sites-enabled", "app"));
      const { report } = scan(root);
      const autoindex = report.findings.filter((f) => f.ruleId === "nginx-autoindex-on");
      expect(autoindex.map((f) => `${f.location.file}:${f.location.line}`)).toEqual([
        "nginx/sites-available/app:4",
      ]);
      expect(skippedEntry(report, "nginx/sites-enabled/app")).toBeUndefined();
      expectNormalFinding(report);
    },
  );

  it.skipIf(process.platform === "win32")("an env_file path cannot climb out of the root", () => {
    const secretFile = path.join(outside, "climb.env");
    writeFileSync(secretFile, "CLIMB_MARKER=1\nCORS_ORIGINS=*\n");
    const root = tree("env-file-climb", {
      "docker-compose.yml": `services:\n  api:\n    image: app:1.0\n    env_file:\n      - ../${path.basename(outside)}/climb.env\n      - ${secretFile}\n`,
    });
    const { result, report } = scan(root);
    expect(result.stdout).not.toContain("CLIMB_MARKER");
    expect(report.findings.every((f) => !(f.location.file ?? "").includes("climb"))).toBe(true);
    expectNormalFinding(report);
  });

  it.skipIf(process.platform === "win32")(
    "an env_file symlink (or symlinked dir) out of the root is not read",
    () => {
      const secretFile = path.join(outside, "linked.env");
      writeFileSync(secretFile, "LINK_MARKER=1\nCORS_ORIGINS=*\n");
      const root = tree("env-file-symlink", {
        "docker-compose.yml":
          "services:\n  api:\n    image: app:1.0\n    env_file:\n      - app.env\n      - odir/linked.env\n",
      });
      symlinkSync(secretFile, path.join(root, "app.env"));
      symlinkSync(outside, path.join(root, "odir"));
      const { result, report } = scan(root);
      expect(result.stdout).not.toContain("LINK_MARKER");
      expect(findingsIn(report, "app.env")).toEqual([]);
      expect(findingsIn(report, "odir/linked.env")).toEqual([]);
      expect(skippedEntry(report, "odir/linked.env")?.reason).toMatch(/outside the scanned root/);
      expectNormalFinding(report);
    },
  );
});

describe("a FIFO", () => {
  const hasMkfifo = process.platform !== "win32" && spawnSync("mkfifo", ["--version"]).status === 0;

  it.skipIf(!hasMkfifo)("named .env.fifo does not hang the scan and is not read", () => {
    const root = tree("fifo");
    expect(spawnSync("mkfifo", [path.join(root, ".env.fifo")]).status).toBe(0);
    const { result, report } = scan(root);
    expect(findingsIn(report, ".env.fifo")).toEqual([]);
    expectNormalFinding(report);
    expect(result.status).toBe(0);
    expect(skippedEntry(report, ".env.fifo")?.reason).toMatch(/not a regular file/);
  });

  it.skipIf(!hasMkfifo)(
    "as a compose env_file target is skipped as not a regular file, without hanging",
    () => {
      const root = tree("fifo-env-file", {
        "docker-compose.yml": "services:\n  api:\n    image: app:1.0\n    env_file: ./app.fifo\n",
      });
      expect(spawnSync("mkfifo", [path.join(root, "app.fifo")]).status).toBe(0);
      const { result, report } = scan(root);
      expect(skippedEntry(report, "app.fifo")?.reason).toMatch(/not a regular file/);
      expectNormalFinding(report);
      expect(result.status).toBe(0);
    },
  );
});

describe("ignored and vendored directories", () => {
  const PRIVILEGED = "services:\n  worker:\n    image: app:1.0\n    privileged: true\n";

  it("a nested .gitignore that ignores a directory keeps its compose file out of the scan", () => {
    const root = tree("nested-gitignore", {
      "svc/.gitignore": "generated/\n",
      "svc/generated/docker-compose.yml": PRIVILEGED,
      // Control: the same file in a directory that is not ignored is scanned.
      "svc/kept/docker-compose.yml": PRIVILEGED,
    });
    const { report } = scan(root);
    expect(findingsIn(report, "svc/generated/")).toEqual([]);
    expect(skippedEntry(report, "svc/generated/docker-compose.yml")).toBeUndefined();
    expect(findingsIn(report, "svc/kept/").map((f) => f.ruleId)).toContain("compose-privileged");
    expectNormalFinding(report);
  });

  it("a nested .gitignore cannot reach outside its directory", () => {
    const root = tree("nested-gitignore-scope", {
      "a/.gitignore": "generated/\n",
      "b/generated/docker-compose.yml": PRIVILEGED,
    });
    const { report } = scan(root);
    expect(findingsIn(report, "b/generated/").map((f) => f.ruleId)).toContain("compose-privileged");
  });

  it("node_modules/x/.env is never scanned", () => {
    const root = tree("node-modules", {
      "node_modules/x/.env": "NODE_MODULES_MARKER=1\nCORS_ORIGINS=*\nAPI_KEY=changeme\n",
      "node_modules/x/docker-compose.yml": PRIVILEGED,
      "packages/app/node_modules/y/.env": "CORS_ORIGINS=*\n",
    });
    const { result, report } = scan(root);
    expect(report.findings.filter((f) => (f.location.file ?? "").includes("node_modules"))).toEqual([]);
    expect((report.skipped ?? []).filter((s) => s.path.includes("node_modules"))).toEqual([]);
    expect(result.stdout).not.toContain("NODE_MODULES_MARKER");
    expectNormalFinding(report);
  });

  it("a virtualenv (pyvenv.cfg) and .git are never scanned", () => {
    const root = tree("venv", {
      "env/pyvenv.cfg": "home = /usr/bin\n",
      "env/lib/.env": "CORS_ORIGINS=*\n",
      ".git/.env": "CORS_ORIGINS=*\n",
    });
    const { report } = scan(root);
    expect(findingsIn(report, "env/")).toEqual([]);
    expect(findingsIn(report, ".git/")).toEqual([]);
    expectNormalFinding(report);
  });
});

describe("odd but valid env files", () => {
  it("CRLF, BOM, export and quotes still point at the right line", () => {
    const root = tree("crlf", {
      "svc/.env":
        '\uFEFF# comment\r\nexport APP=demo\r\nMULTI="line one\r\nline two"\r\nCORS_ORIGINS="*"\r\n',
    });
    const { report } = scan(root);
    expect(findingsIn(report, "svc/.env")).toEqual([
      expect.objectContaining({
        ruleId: "env-cors-wildcard",
        location: { file: "svc/.env", line: 5, column: 1 },
      }),
    ]);
    expectNormalFinding(report);
  });

  it("an empty directory and an empty .env scan cleanly", () => {
    const root = tree("empty", { "svc/.env": "", "empty/.keep": "" });
    const { result, report } = scan(root);
    expect(result.status).toBe(0);
    expect(report.skipped ?? []).toEqual([]);
    expectNormalFinding(report);
  });
});

describe("malformed source files", () => {
  it("are skipped with the reason; a file with one slip is still read around it", () => {
    const prose =
      "This is not Python at all: it's (notes) [from] {a} meeting; 'quotes\" everywhere!\n".repeat(40);
    const root = tree("malformed-source", {
      "app/notes.py": `${prose}uvicorn.run(app, host="0.0.0.0")\n`,
      "web/broken.js": `${"}{)(][".repeat(200)}\napp.listen(3000, "0.0.0.0");\n`,
      "app/main.py": [
        "from fastapi import FastAPI",
        "app = FastAPI()",
        "def broken(:",
        "    pass",
        'if __name__ == "__main__":',
        '    uvicorn.run(app, host="0.0.0.0")',
        "",
      ].join("\n"),
    });
    const { report } = scan(root);
    expect(skippedEntry(report, "app/notes.py")?.reason).toMatch(/does not parse as python/);
    expect(skippedEntry(report, "web/broken.js")?.reason).toMatch(/does not parse as javascript/);
    expect(skippedEntry(report, "app/main.py")).toBeUndefined();
    expect(findingsIn(report, "app/main.py").map((f) => `${f.ruleId}:${f.location.line}`)).toEqual([
      "py-run-all-interfaces:6",
    ]);
    expectNormalFinding(report);
  });
});
