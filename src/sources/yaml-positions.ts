import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

// Exact source positions for YAML files parsed with yaml's Document API (compose files, tunnel
// configs): the offset of every key and item by its path, anchors and `<<` merges resolved.

/**
 * Record the source offset of every map key and sequence item, keyed by its path (segments joined
 * by NUL). Keys merged in with `<<` count where they are written, and never override the map's own.
 */
export function collectYamlOffsets(
  doc: Document,
  node: unknown,
  path: string,
  out: Map<string, number>,
  depth: number,
): void {
  if (depth > 64) return;
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) {
    const merges: unknown[] = [];
    for (const pair of target.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? keyNode.value : keyNode;
      const keyText = typeof key === "symbol" ? key.description : String(key);
      if (keyText === "<<") {
        merges.push(...(isSeq(pair.value) ? pair.value.items : [pair.value]));
        continue;
      }
      const child = path ? `${path}\0${keyText}` : String(keyText);
      const off = keyNode?.range?.[0];
      if (off !== undefined) out.set(child, off);
      collectYamlOffsets(doc, pair.value, child, out, depth + 1);
    }
    // Merged keys never override keys written in the map itself.
    for (const m of merges) {
      const inner = new Map<string, number>();
      collectYamlOffsets(doc, m, path, inner, depth + 1);
      for (const [k, v] of inner) if (!out.has(k)) out.set(k, v);
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, i) => {
      const child = `${path}\0${i}`;
      const off = (item as Node | null)?.range?.[0];
      if (off !== undefined) out.set(child, off);
      collectYamlOffsets(doc, item, child, out, depth + 1);
    });
  }
}

/**
 * Where a path of keys and indexes was written: the deepest located ancestor (a merged key points at
 * its anchor's text; a missing one at its parent), 1-based.
 */
export function yamlLocator(
  doc: Document,
  lineCounter: LineCounter,
): (...segments: Array<string | number>) => { line: number; column: number } {
  const offsets = new Map<string, number>();
  collectYamlOffsets(doc, doc.contents, "", offsets, 0);
  return (...segments) => {
    for (let n = segments.length; n > 0; n--) {
      const off = offsets.get(segments.slice(0, n).join("\0"));
      if (off !== undefined) {
        const { line, col } = lineCounter.linePos(off);
        return { line, column: col };
      }
    }
    return { line: 1, column: 1 };
  };
}
