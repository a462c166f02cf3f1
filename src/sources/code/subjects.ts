import type { FieldValue, Location, Subject } from "../../engine/types.js";
import { mayBeSecret } from "../../predicates/secrets.js";
import { fileRole } from "../env.js";
import type { Pos } from "./facts.js";
import type { CodeDocument } from "./index.js";

// Code facts as subjects. Field names are the match vocabulary for code rules (README lists them).

export const CODE_SUBJECT_KINDS = [
  "code-call",
  "code-assign",
  "code-env-default",
  "code-compare",
  "code-config",
  "code-string",
] as const;

export function codeSubjects(docs: readonly CodeDocument[]): Subject[] {
  const out: Subject[] = [];
  for (const doc of docs) {
    const base: Record<string, FieldValue> = {
      file: doc.path,
      "file.name": doc.path.slice(doc.path.lastIndexOf("/") + 1),
      "file.role": fileRole(doc.path),
      lang: doc.lang,
    };
    const make = (
      kind: string,
      p: Pos,
      fields: Record<string, FieldValue>,
      identity: string,
      secrets: string[] = [],
    ): Subject => {
      const location: Location = { file: doc.path, line: p.line, column: p.column };
      return {
        kind,
        fields: { ...base, ...fields },
        location,
        fieldLocations: {},
        evidence: (doc.lines[p.line - 1] ?? "").trim(),
        secrets,
        identity,
        sourceLines: doc.lines,
      };
    };
    for (const c of doc.facts.calls) {
      const fields: Record<string, FieldValue> = {
        callee: c.callee,
        "callee.name": c.callee.slice(c.callee.lastIndexOf(".") + 1),
        argCount: c.args.length,
        /** Every positional argument, comma-joined: for conditions on "any argument". */
        args: c.args.join(", "),
        inMain: c.inMain,
      };
      c.args.forEach((a, i) => {
        fields[`arg.${i}`] = a;
      });
      const secrets: string[] = [];
      for (const [k, v] of Object.entries(c.kwargs)) {
        fields[`kw.${k}`] = v;
        fields[`kwType.${k}`] = c.kwTypes[k] ?? "";
        if (mayBeSecret(k, v) && /secret|key|token|password/i.test(k)) secrets.push(v);
      }
      out.push(make("code-call", c, fields, `${c.callee}(${Object.keys(c.kwargs).join(",")})`, secrets));
    }
    for (const a of doc.facts.assigns) {
      out.push(
        make(
          "code-assign",
          a,
          { name: a.name, value: a.value },
          a.name,
          mayBeSecret(a.name, a.value) ? [a.value] : [],
        ),
      );
    }
    for (const e of doc.facts.envDefaults) {
      out.push(
        make(
          "code-env-default",
          e,
          { key: e.key, fallback: e.fallback },
          `env:${e.key}`,
          mayBeSecret(e.key, e.fallback) ? [e.fallback] : [],
        ),
      );
    }
    for (const l of doc.facts.literals) {
      out.push(
        make("code-string", l, { value: l.value }, `string:${l.value.length}:${l.value.slice(0, 4)}`, [
          l.value,
        ]),
      );
    }
    for (const c of doc.facts.configs) {
      out.push(
        make(
          "code-config",
          c,
          {
            path: c.path,
            key: c.path.slice(c.path.lastIndexOf(".") + 1),
            value: c.value,
            valueType: c.valueType,
          },
          `config:${c.path}`,
          mayBeSecret(c.path, c.value) && c.valueType === "string" ? [c.value] : [],
        ),
      );
    }
    for (const c of doc.facts.compares) {
      out.push(
        make("code-compare", c, { left: c.left, right: c.right, op: c.op }, `${c.left}${c.op}${c.right}`),
      );
    }
  }
  return out;
}
