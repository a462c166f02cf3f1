import { maskSecret } from "../predicates/secrets.js";

/**
 * Replace every occurrence of every secret (longest first, so no secret hides inside another).
 * Values under 3 characters are not worth a mask and would garble unrelated text.
 */
export function maskAll(text: string, secrets: Iterable<string>): string {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of sorted) if (out.includes(s)) out = out.split(s).join(maskSecret(s));
  return out;
}
