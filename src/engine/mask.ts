import { maskSecret } from "../predicates/secrets.js";

/**
 * Build once per scan: replaces every occurrence of every secret (longest first, so no secret
 * hides inside another) in one regex pass. Values under 3 characters are not worth a mask and
 * would garble unrelated text.
 */
export function createMasker(secrets: Iterable<string>): (text: string) => string {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  const pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => text.replace(pattern, (s) => maskSecret(s));
}
