import { createHash } from "node:crypto";

/**
 * Stable across runs and unrelated edits: rule, file (or URL) and the subject's identity (a key
 * name, a service and port spec), never the line number. `occurrence` separates true duplicates.
 */
export function fingerprint(ruleId: string, where: string, identity: string, occurrence: number): string {
  return createHash("sha256")
    .update(`${ruleId}\0${where}\0${identity}\0${occurrence}`)
    .digest("hex")
    .slice(0, 16);
}
