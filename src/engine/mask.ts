import { maskSecret } from "../predicates/secrets.js";

/**
 * Build once per scan: replaces every occurrence of every secret (longest first, so no secret
 * hides inside another) in one regex pass. Values under 3 characters are not worth a mask and
 * would garble unrelated text.
 */
export function createMasker(
  secrets: Iterable<string>,
  options: { minLength?: number; wholeTokens?: boolean } = {},
): (text: string) => string {
  const min = options.minLength ?? 1;
  const sorted = [...new Set(secrets)].filter((s) => s.length >= min).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  const alternation = sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  // Whole tokens only: a secret "redis" must not eat the image name "redis:7".
  const source = options.wholeTokens ? `(?<![A-Za-z0-9_-])(?:${alternation})(?![A-Za-z0-9_-])` : alternation;
  const pattern = new RegExp(source, "g");
  return (text) => text.replace(pattern, (s) => maskSecret(s));
}
