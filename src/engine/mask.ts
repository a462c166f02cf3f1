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
  // Whole-token matching goes through an index by the first four characters: no regex to compile
  // per finding, and no alternation of thousands of secrets tried at every position.
  if (options.wholeTokens) return indexedMasker(sorted);
  return regexMasker(sorted, options.wholeTokens ?? false);
}

/** [A-Za-z0-9_-] by char code: tested at every position of every evidence line, so no regex. */
function isTokenChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 45
  );
}

/** Whole-token masking with the secrets indexed by prefix; same result as the regex form. */
function indexedMasker(sortedLongestFirst: readonly string[]): (text: string) => string {
  const byPrefix = new Map<string, string[]>();
  const short: string[] = [];
  for (const secret of sortedLongestFirst) {
    if (secret.length < 4) {
      short.push(secret);
      continue;
    }
    const key = secret.slice(0, 4);
    const list = byPrefix.get(key) ?? [];
    list.push(secret);
    byPrefix.set(key, list);
  }
  const shortMasker = short.length > 0 ? regexMasker(short, true) : (t: string) => t;
  return (text) => {
    let out = "";
    let copied = 0;
    for (let i = 0; i + 4 <= text.length; i++) {
      if (i > 0 && isTokenChar(text.charCodeAt(i - 1))) continue;
      const candidates = byPrefix.get(text.slice(i, i + 4));
      if (!candidates) continue;
      const hit = candidates.find(
        (secret) => text.startsWith(secret, i) && !isTokenChar(text.charCodeAt(i + secret.length)),
      );
      if (!hit) continue;
      out += text.slice(copied, i) + maskSecret(hit);
      i += hit.length - 1;
      copied = i + 1;
    }
    return shortMasker(out + text.slice(copied));
  };
}

function regexMasker(sorted: readonly string[], wholeTokens: boolean): (text: string) => string {
  const alternation = sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  // Whole tokens only: a secret "redis" must not eat the image name "redis:7".
  const source = wholeTokens ? `(?<![A-Za-z0-9_-])(?:${alternation})(?![A-Za-z0-9_-])` : alternation;
  const pattern = new RegExp(source, "g");
  return (text) => text.replace(pattern, (s) => maskSecret(s));
}
