// The nginx configuration grammar, read the way nginx's own ngx_conf_read_token does: words
// separated by whitespace, `;` ends a directive, `{ }` delimit a block, `#` at the start of a word
// comments out the rest of the line, '...' and "..." quote (with backslash escapes), and `${var}`
// keeps its braces inside a word. No directive is interpreted here; nginx.ts gives them meaning.

export interface NginxDirective {
  name: string;
  /** Arguments with quotes removed and escapes resolved. */
  args: string[];
  line: number;
  column: number;
  /** The directives inside `{ }` when this directive opens a block (`server`, `location`...). */
  block?: NginxDirective[];
}

export interface NginxSyntaxError {
  line: number;
  message: string;
}

interface Word {
  value: string;
  line: number;
  column: number;
}

interface OpenBlock {
  directive: NginxDirective;
  children: NginxDirective[];
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  '"': '"',
  "'": "'",
  "\\": "\\",
};

/** nginx resolves these escapes in every word; any other backslash stays (regexes keep `\.`). */
function resolveEscape(next: string): string {
  return ESCAPES[next] ?? `\\${next}`;
}

/** Parse a whole file; a syntax error stops at the first problem, as nginx -t does. */
export function parseNginx(text: string): NginxDirective[] | NginxSyntaxError {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const root: NginxDirective[] = [];
  const stack: OpenBlock[] = [];
  let words: Word[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  const children = (): NginxDirective[] => stack[stack.length - 1]?.children ?? root;
  const advance = (): string => {
    const ch = src[i++] ?? "";
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
    return ch;
  };
  const directiveOf = (ws: readonly Word[]): NginxDirective => {
    const [first, ...rest] = ws;
    return {
      name: first?.value ?? "",
      args: rest.map((w) => w.value),
      line: first?.line ?? line,
      column: first?.column ?? column,
    };
  };

  while (i < src.length) {
    const ch = src[i] ?? "";
    if (/\s/.test(ch)) {
      advance();
      continue;
    }
    if (ch === "#") {
      while (i < src.length && src[i] !== "\n") advance();
      continue;
    }
    if (ch === ";") {
      if (words.length === 0) return { line, message: 'unexpected ";" (no directive before it)' };
      children().push(directiveOf(words));
      words = [];
      advance();
      continue;
    }
    if (ch === "{") {
      if (words.length === 0) return { line, message: 'unexpected "{" (no directive before it)' };
      const directive: NginxDirective = { ...directiveOf(words), block: [] };
      children().push(directive);
      stack.push({ directive, children: directive.block ?? [] });
      words = [];
      advance();
      continue;
    }
    if (ch === "}") {
      if (words.length > 0) {
        const first = words[0];
        return {
          line,
          message: `unexpected "}": the "${first?.value}" directive on line ${first?.line} is missing its ";"`,
        };
      }
      if (!stack.pop()) return { line, message: 'unexpected "}" (no block is open)' };
      advance();
      continue;
    }
    const start = { line, column };
    if (ch === '"' || ch === "'") {
      advance();
      let value = "";
      let closed = false;
      while (i < src.length) {
        const c = advance();
        if (c === "\\" && i < src.length) {
          const next = advance();
          value += resolveEscape(next);
        } else if (c === ch) {
          closed = true;
          break;
        } else value += c;
      }
      if (!closed)
        return {
          line: start.line,
          message: `unterminated ${ch === '"' ? "double" : "single"}-quoted string`,
        };
      const after = src[i];
      // nginx wants a space, `;`, `{` or `)` after a closing quote (`if ($a = "b")`).
      if (after !== undefined && !/[\s;{)]/.test(after))
        return { line, message: `unexpected "${after}" right after a quoted string` };
      words.push({ value, ...start });
      continue;
    }
    let value = "";
    while (i < src.length) {
      const c = src[i] ?? "";
      if (/\s/.test(c) || c === ";" || c === "{" || c === "}") break;
      if (c === "$" && src[i + 1] === "{") {
        // ${var}: the braces belong to the word.
        const close = src.indexOf("}", i);
        if (close === -1 || /[\s;]/.test(src.slice(i + 2, close)))
          return { line, message: 'unterminated "${" variable' };
        while (i <= close) value += advance();
        continue;
      }
      if (c === "\\" && i + 1 < src.length) {
        advance();
        value += resolveEscape(advance());
        continue;
      }
      value += advance();
    }
    words.push({ value, ...start });
  }
  if (words.length > 0) {
    const first = words[0];
    return {
      line: first?.line ?? line,
      message: `unexpected end of file: the "${first?.value}" directive is missing its ";"`,
    };
  }
  const open = stack[stack.length - 1];
  if (open)
    return {
      line: open.directive.line,
      message: `unexpected end of file: the "${open.directive.name}" block opened here has no closing "}"`,
    };
  return root;
}

/** Every directive with the block path above it (`["http", "server", "location"]`), in file order. */
export function* walkDirectives(
  directives: readonly NginxDirective[],
  ancestors: readonly NginxDirective[] = [],
): Generator<{ directive: NginxDirective; ancestors: readonly NginxDirective[] }> {
  for (const directive of directives) {
    yield { directive, ancestors };
    if (directive.block) yield* walkDirectives(directive.block, [...ancestors, directive]);
  }
}
