// Key-shaped strings in shipped JavaScript or HTML: what both the live probe (a served script) and
// the static bundle scan (dist/, build/...) hand to the secret detectors. Shared so a key found in a
// bundle on disk and the same key served by the running app are judged by the same rules.

/**
 * Cheap hints every provider key format in predicates/secrets.ts contains (the keyword prefilter).
 * Each is led by a literal: the fal.ai `uuid:secret` format by the dash before the UUID's last
 * group, because a branch led by a class of hex digits is tried at nearly every position of a 5 MB
 * bundle (five times slower over one that holds no key at all).
 */
export const KEY_HINTS =
  /sk_|rk_|whsec_|sk-|hf_|gh[pousr]_|github_pat_|r8_|eyJ|AKIA|ASIA|xox|SG\.|gsk_|xai-|GOCSPX|:\/\/[^/\s"']*:[^@\s"']+@|PRIVATE KEY|-[0-9a-f]{12}:/;

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
