/**
 * Compose-style variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`; defaults may nest. Unknown variables
 * become "" as Compose does, unless `keepUnknown` is set (then the reference is kept verbatim).
 */
export function interpolate(text: string, vars: ReadonlyMap<string, string>, keepUnknown = false): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "{") {
      const end = matchingBrace(text, i + 1);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      out += expand(text.slice(i + 2, end), vars, keepUnknown, text.slice(i, end + 1));
      i = end + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        out += "$";
        i++;
        continue;
      }
      const value = vars.get(m[0]);
      out += value ?? (keepUnknown ? `$${m[0]}` : "");
      i += 1 + m[0].length;
    }
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "{") depth++;
    else if (text[j] === "}" && --depth === 0) return j;
  }
  return -1;
}

function expand(body: string, vars: ReadonlyMap<string, string>, keepUnknown: boolean, raw: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!m) return raw;
  const [, name = "", op, arg = ""] = m;
  const value = vars.get(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  switch (op) {
    case ":-":
      return nonEmpty ? value : interpolate(arg, vars, keepUnknown);
    case "-":
      return set ? value : interpolate(arg, vars, keepUnknown);
    case ":+":
      return nonEmpty ? interpolate(arg, vars, keepUnknown) : "";
    case "+":
      return set ? interpolate(arg, vars, keepUnknown) : "";
    default:
      // plain ${VAR}, or ${VAR?err}: a missing required variable stops compose; we read on.
      if (set) return value;
      return keepUnknown ? raw : "";
  }
}

/** A value that is nothing but one variable reference (`${API_KEY}`, `$API_KEY`, `${PORT:-8000}`). */
export function singleReference(text: string): { name: string; fallback?: string } | undefined {
  const t = text.trim();
  let m = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  if (m?.[1]) return { name: m[1] };
  m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}$/.exec(t);
  if (!m?.[1]) return undefined;
  return m[2]?.endsWith("-") ? { name: m[1], fallback: m[3] ?? "" } : { name: m[1] };
}
