// Key-shaped strings in shipped JavaScript or HTML: what both the live probe (a served script) and
// the static bundle scan (dist/, build/...) hand to the secret detectors. Shared so a key found in a
// bundle on disk and the same key served by the running app are judged by the same rules.

import { PROVIDER_KEYWORDS } from "../predicates/secrets.js";

/**
 * Cheap hints every key worth a look contains (the keyword prefilter): each provider format's own
 * keyword (predicates/secrets.ts, so a new format reaches bundles and served scripts too), plus
 * what bundles hold beyond those formats: JWTs (`eyJ`), URLs with a password, and broader prefixes
 * (`sk_`, `rk_`, `xox`, `GOCSPX`) whose tokens the name-based checks may still judge. Every branch is
 * led by a literal: a branch led by a class is tried at nearly every position of a 5 MB bundle.
 */
export const KEY_HINTS = new RegExp(
  `${PROVIDER_KEYWORDS.source}|sk_|rk_|xox|GOCSPX|eyJ|:\\/\\/[^/\\s"']*:[^@\\s"']+@|PRIVATE KEY`,
);

export interface KeyToken {
  token: string;
  /** Offset of the first occurrence in the text. */
  index: number;
}

/**
 * Runs of key characters that carry a key hint, each once. Quotes, commas, spaces and brackets end a
 * token, so minified code (`{A:"x",B:"sk_live_..."}`) splits cleanly without pairing quotes.
 */
export function keyTokens(text: string): KeyToken[] {
  if (!KEY_HINTS.test(text)) return [];
  const out: KeyToken[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z0-9_\-.:+/=@%?&~]{16,400}/g)) {
    const token = m[0];
    if (seen.has(token) || !KEY_HINTS.test(token)) continue;
    seen.add(token);
    out.push({ token, index: m.index });
  }
  return out;
}
