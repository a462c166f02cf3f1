#!/usr/bin/env node
// Entry point. `--version` answers from package.json without loading the CLI, so it stays instant.
import { readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import("../dist/cli.js");
  await main(process.argv, version);
}
