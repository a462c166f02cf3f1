import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "./errors.js";

/**
 * Parse a YAML file and validate it with a schema. Every failure becomes one line naming the
 * file, the line and what is wrong, so a user can fix a rule or config without reading a trace.
 */
export function parseValidatedYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new UsageError(`${file}:${line}: invalid YAML: ${syntaxError.message.split("\n")[0]}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // An unknown key is reported at its parent: point at the key itself.
  const path = [
    ...(issue?.path ?? []),
    ...(issue?.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : []),
  ];
  // Point at the deepest node of the path that exists in the document.
  let line = 1;
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth) as Array<string | number>;
    // For the last segment prefer the key's own position (a map key), else the value node.
    const parent = doc.getIn(sub.slice(0, -1), true);
    const keyNode = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === sub[sub.length - 1])?.key
      : undefined;
    const node = isNode(keyNode) ? keyNode : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      line = lineCounter.linePos(node.range[0]).line;
      break;
    }
  }
  const where = path.length > 0 ? `${path.join(".")}: ` : "";
  throw new UsageError(`${file}:${line}: ${where}${issue?.message ?? "invalid"}`);
}
