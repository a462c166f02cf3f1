import type { FieldValue, Subject } from "../../engine/types.js";
import { isLocalHost } from "../../predicates/network.js";
import { keyTokens } from "../key-tokens.js";
import type { Exchange, TargetProbe } from "./retrieve.js";
import { sha } from "./sha.js";

// Flatten a TargetProbe into subjects: one per exchange (Nuclei's parts: status, headers, body),
// one per target (TLS, HSTS, rate limit, the main document's headers), one per string literal
// in a served script that could be a key (a keyword prefilter decides which bodies are read).

export const PROBE_SUBJECT_KINDS = ["probe-exchange", "probe-target", "probe-token"] as const;

function summary(e: Exchange): string {
  const origin = e.origin ? ` (Origin: ${e.origin})` : "";
  const status = e.status === undefined ? (e.error ?? "no answer") : String(e.status);
  const ct = e.headers["content-type"] ? ` ${e.headers["content-type"].split(";")[0]}` : "";
  const cors = ["access-control-allow-origin", "access-control-allow-credentials"]
    .filter((h) => e.headers[h] !== undefined)
    .map((h) => ` · ${h}: ${e.headers[h]}`)
    .join("");
  const declared = e.declaredAt ? ` (declared at ${e.declaredAt})` : "";
  return `${e.method} ${e.path}${origin} → ${status}${ct}${cors}${declared}`;
}

function headerFields(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [`header.${k}`, v]));
}

export function probeSubjects(
  probes: readonly TargetProbe[],
  secretHeaderValues: readonly string[],
): Subject[] {
  const out: Subject[] = [];
  for (const t of probes) {
    const baseline = t.exchanges.find((e) => e.kind === "baseline");
    const baselineHash = baseline ? sha(baseline.body) : "";
    const root = t.exchanges.find((e) => e.kind === "root");
    const targetFields: Record<string, FieldValue> = {
      target: t.url,
      scheme: t.scheme,
      host: t.host,
      loopback: t.loopback,
      // Loopback, private ranges and single-label (compose service) names never leave the LAN.
      privateHost: isLocalHost(t.host),
    };
    for (const e of t.exchanges) {
      if (e.kind === "burst") continue;
      const ct = e.headers["content-type"] ?? "";
      out.push({
        kind: "probe-exchange",
        fields: {
          ...targetFields,
          url: e.url,
          path: e.path,
          kind: e.kind,
          method: e.method,
          origin: e.origin ?? "",
          authenticated: e.authenticated,
          status: e.status ?? null,
          contentType: ct,
          html: /html/i.test(ct) || /^\s*<(!doctype|html)/i.test(e.body),
          body: e.body,
          error: e.error ?? "",
          declaredAt: e.declaredAt ?? "",
          "baseline.status": baseline?.status ?? null,
          sameAsBaseline:
            baseline !== undefined &&
            e.kind !== "baseline" &&
            e.status === baseline.status &&
            sha(e.body) === baselineHash,
          ...headerFields(e.headers),
        },
        location: { url: e.url },
        fieldLocations: {},
        evidence: summary(e),
        secrets: [...secretHeaderValues],
        identity: `${e.kind} ${e.method} ${e.path} ${e.origin ?? ""}`,
      });
      if (e.kind === "asset" || (e.kind === "root" && /html/i.test(ct))) out.push(...tokenSubjects(t, e));
    }
    const hsts = root?.headers["strict-transport-security"] ?? "";
    const maxAge = /max-age\s*=\s*"?(\d+)/i.exec(hsts)?.[1];
    const finalScheme = root ? new URL(root.finalUrl).protocol : "";
    out.push({
      kind: "probe-target",
      fields: {
        ...targetFields,
        url: t.url,
        "root.status": root?.status ?? null,
        "root.html": /html/i.test(root?.headers["content-type"] ?? ""),
        "root.redirectsToHttps": t.scheme === "http" && finalScheme === "https:",
        "hsts.maxAge": maxAge === undefined ? -1 : Number(maxAge),
        "tls.checked": t.tls !== undefined,
        "tls.authorized": t.tls?.authorized ?? null,
        "tls.problem": t.tls?.problem ?? "",
        "tls.daysLeft": t.tls?.daysLeft ?? null,
        "tls.validTo": t.tls?.validTo ?? "",
        "tls.legacy": t.tls?.legacyAccepted ?? [],
        "rateLimit.headers": t.rateLimit.headerEvidence ?? "",
        "rateLimit.limited": t.rateLimit.limitedWith !== undefined,
        "rateLimit.sent": t.rateLimit.sent,
        "rateLimit.seconds": t.rateLimit.seconds,
        "rateLimit.path": t.rateLimit.burstPath ?? "",
        askedForCredentials: t.exchanges.some((e) => e.status === 401 || e.status === 403),
        requestsSent: t.requestsSent,
        ...headerFields(root?.headers ?? {}),
      },
      location: { url: t.url },
      fieldLocations: {},
      evidence: root ? summary(root) : t.url,
      secrets: [...secretHeaderValues],
      identity: t.url,
    });
  }
  return out;
}

/** String literals of a served script or page that could hold a key (keyword-prefiltered). */
function tokenSubjects(t: TargetProbe, e: Exchange): Subject[] {
  return keyTokens(e.body).map(({ token }) => ({
    kind: "probe-token",
    fields: { target: t.url, url: e.url, path: e.path, token, kind: e.kind },
    location: { url: e.url },
    fieldLocations: {},
    evidence: `${e.path}: "${token}"`,
    secrets: [token],
    identity: `${e.path} ${sha(token)}`,
  }));
}
