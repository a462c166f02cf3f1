/**
 * The audit could not run as asked (bad flag, missing dir, invalid rule or config file,
 * unreachable URL). The CLI prints `message` on one line and exits 2; no stack trace.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
