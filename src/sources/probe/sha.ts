import { createHash } from "node:crypto";

/** A short, stable digest for identities and body comparison (never shown as a secret's stand-in). */
export function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
