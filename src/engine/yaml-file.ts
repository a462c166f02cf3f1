import { isNode, LineCounter, parseDocument } from "yaml";
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
    const line = syntaxError.linePos?.[0].line ?? 1;
    throw new UsageError(`${file}:${line}: invalid YAML: ${syntaxError.message.split("\n")[0]}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  // Point at the deepest node of the path that exists in the document.
  let line = 1;
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    if (isNode(node) && node.range) {
      line = lineCounter.linePos(node.range[0]).line;
      break;
    }
  }
  const where = path.length > 0 ? `${path.join(".")}: ` : "";
  throw new UsageError(`${file}:${line}: ${where}${issue?.message ?? "invalid"}`);
}
