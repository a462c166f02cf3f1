// Deterministic, random-looking fake key material for tests. Keys are built at run time so the
// source holds nothing shaped like a real key (secret scanners stay quiet on this repository).

export const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const HEX = "0123456789abcdef";

/** `n` characters from `alphabet`, from a small seeded LCG: the same seed gives the same string. */
export function seeded(n: number, alphabet: string = ALNUM, seed = 7): string {
  let x = seed >>> 0;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}
