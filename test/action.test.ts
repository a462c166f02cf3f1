import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";

// The script part of action.yml, run as GitHub would run it (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY),
// against a fixture. The upload and the final failure are GitHub's own steps.

const tmp = mkdtempSync(path.join(os.tmpdir(), "secaudit-action-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runAction(fixture: string, failOn: string) {
  const out = path.join(tmp, `${fixture}-${failOn}.out`);
  const summary = path.join(tmp, `${fixture}-${failOn}.md`);
  const sarif = path.join(tmp, `${fixture}-${failOn}.sarif`);
  const res = spawnSync("bash", [path.join(ROOT, "scripts", "action.sh")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
    env: {
      ...process.env,
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: summary,
      INPUT_PATH: `fixtures/${fixture}`,
      INPUT_FAIL_ON: failOn,
      INPUT_SARIF_FILE: sarif,
    },
  });
  const outputs = Object.fromEntries(
    readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("=") as [string, string]),
  );
  return { res, outputs, summary, sarif };
}

it("an insecure fixture: SARIF and summary written, exit-code 1 recorded, the step itself succeeds", () => {
  const { res, outputs, summary, sarif } = runAction("vite-backend-insecure", "critical");
  expect(res.status).toBe(0);
  expect(outputs["exit-code"]).toBe("1");
  expect(outputs.grade).toMatch(/^(A\+|A|B|C|D|F)$/);
  const log = JSON.parse(readFileSync(sarif, "utf8")) as {
    version: string;
    runs: Array<{ results: unknown[] }>;
  };
  expect(log.version).toBe("2.1.0");
  expect(log.runs[0]?.results.length).toBeGreaterThan(0);
  expect(readFileSync(summary, "utf8")).toMatch(/secaudit/i);
});

it("a hardened fixture passes: exit-code 0", () => {
  const { outputs, sarif } = runAction("hardened-node", "low");
  expect(outputs["exit-code"]).toBe("0");
  expect(outputs.score).toBe("100");
  expect(existsSync(sarif)).toBe(true);
});
