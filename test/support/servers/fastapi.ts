import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HOST, type RunningServer } from "./listen.js";

export type FastApiVariant = "dev" | "hardened";

export interface FastApiOptions {
  /** Requests per minute per client before 429 in the hardened app (default 10). Every request counts. */
  rateLimitPerMinute?: number;
  /** How long to wait for uvicorn to accept connections (default 15 s). */
  startTimeoutMs?: number;
  /** Extra environment for the app (applied last): e.g. { API_KEY: "..." } for the hardened app. */
  env?: Readonly<Record<string, string>>;
}

/** Debian's python3 (with python3-fastapi and python3-uvicorn), not whatever python3 is first on PATH. */
export const PYTHON = process.env.SECAUDIT_TEST_PYTHON ?? "/usr/bin/python3";
const APP_DIR = path.dirname(fileURLToPath(import.meta.url));
const MODULES: Record<FastApiVariant, string> = { dev: "fastapi_dev", hardened: "fastapi_hardened" };
const STDERR_TAIL = 16_384;

// `python3 -c GUARD args...` is `python3 -m uvicorn args...` plus a watchdog: a thread that exits the
// process when its stdin (a pipe from this Node process) reaches EOF, which is when the test process
// dies, even by SIGKILL or a vitest worker torn down before close() ran. No orphaned uvicorn. (It
// reads fd 0 with os.read: a daemon thread inside sys.stdin.buffer.read() makes Python abort at exit.)
const GUARD = [
  "import os, runpy, threading",
  "def _watch():",
  "    while os.read(0, 4096):",
  "        pass",
  "    os._exit(0)",
  "threading.Thread(target=_watch, daemon=True).start()",
  "runpy.run_module('uvicorn', run_name='__main__', alter_sys=True)",
].join("\n");

/** A port that was free a moment ago (bound to 127.0.0.1:0, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = address !== null && typeof address === "object" ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL after 2 s; resolves once the process has exited. */
async function stop(child: ChildProcess): Promise<void> {
  const exited = waitForExit(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

class UvicornExited extends Error {}

// Children still running when the test process exits (a test that forgot close(), a crash) are killed.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

async function startOnce(
  variant: FastApiVariant,
  port: number,
  options: FastApiOptions,
): Promise<RunningServer> {
  const args = [
    "-c",
    GUARD,
    `${MODULES[variant]}:app`,
    "--app-dir",
    APP_DIR,
    "--host",
    HOST,
    "--port",
    String(port),
    "--log-level",
    "info",
    "--no-access-log",
  ];
  const child = spawn(PYTHON, args, {
    cwd: APP_DIR,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONUNBUFFERED: "1",
      RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute ?? 10),
      ...options.env,
    },
  });
  track(child);
  // Always drain both pipes (a full pipe would block uvicorn); keep the tail of each for errors.
  // Ready when uvicorn says it is listening on OUR port: its "Uvicorn running on" line comes after
  // the bind (and after app startup), unlike a TCP probe, which a process that raced us for the
  // port would also answer. Reading the log spends none of the hardened app's rate-limit budget.
  const marker = `Uvicorn running on http://${HOST}:${port}`;
  let output = "";
  let ready = false;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-STDERR_TAIL);
    if (!ready && output.includes(marker)) ready = true;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  const describe = (what: string): string =>
    `uvicorn ${MODULES[variant]}:app (${PYTHON} -m uvicorn ${args.slice(2).join(" ")}) ${what}` +
    (output.trim() ? `\n--- uvicorn output ---\n${output.trimEnd()}` : "\n(no output)");

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    if (spawnError) throw new Error(describe(`could not be started: ${spawnError.message}`));
    if (child.exitCode !== null || child.signalCode !== null) {
      await sleep(50); // let the last of stderr arrive
      throw new UvicornExited(
        describe(`exited with ${child.exitCode ?? child.signalCode} before it answered`),
      );
    }
    if (ready) break;
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(describe(`did not report listening on ${HOST}:${port} within the deadline`));
    }
    await sleep(25);
  }

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}`,
    close(): Promise<void> {
      closing ??= stop(child);
      return closing;
    },
  };
}

/**
 * Run test/support/servers/fastapi_<variant>.py under uvicorn on 127.0.0.1:<free port>:
 * `/usr/bin/python3 -m uvicorn fastapi_dev:app --app-dir <this folder> --host 127.0.0.1 --port <p>`
 * (run through runpy behind a parent-death watchdog, see GUARD).
 * Ready when uvicorn logs "Uvicorn running on http://127.0.0.1:<p>" (no HTTP request is spent, so
 * the hardened app's rate-limit budget is untouched; access logs are off). A crash before that
 * rejects with uvicorn's output; a port lost to a race (address in use) is retried twice. close() sends SIGTERM, SIGKILL after 2 s, and waits.
 */
export async function startFastApi(
  variant: FastApiVariant,
  options: FastApiOptions = {},
): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(variant, await freePort(), options);
    } catch (err) {
      const retry =
        err instanceof UvicornExited && /address already in use/i.test(err.message) && attempt < 3;
      if (!retry) throw err;
    }
  }
}
