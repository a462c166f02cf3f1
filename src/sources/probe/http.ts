import { Agent, request } from "undici";

// One HTTP exchange with every limit a hostile server needs: a per-request deadline covering
// headers and body, a body cap (we stop reading, never buffer more), manual redirects with a cap
// and loop detection. Never throws: failures are data.

export interface HttpLimits {
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
}

export interface HttpResult {
  status?: number;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  /** URLs visited before the final answer, in order. */
  redirects: string[];
  finalUrl: string;
  error?: string;
  /** The deadline passed while the body was still arriving (a slow drip). */
  timedOut?: boolean;
  ms: number;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  followRedirects?: boolean;
}

export function createAgent(ca?: string): Agent {
  // Certificates are judged by the TLS check; HTTP exchanges go on against a bad certificate so the
  // rest of the audit still happens.
  return new Agent({ connect: { rejectUnauthorized: false, ...(ca ? { ca } : {}) }, pipelining: 0 });
}

function normalizeHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(k.toLowerCase() === "set-cookie" ? "\n" : ", ") : v;
  }
  return out;
}

export async function exchange(agent: Agent, req: HttpRequest, limits: HttpLimits): Promise<HttpResult> {
  const started = performance.now();
  const redirects: string[] = [];
  let url = req.url;
  let method = req.method;
  let body = req.body;
  let requestHeaders = req.headers;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const result = (r: Partial<HttpResult>): HttpResult => ({
    headers: {},
    body: "",
    bodyTruncated: false,
    redirects,
    finalUrl: url,
    ms: performance.now() - started,
    ...r,
  });
  for (;;) {
    try {
      const res = await request(url, {
        method: method as "GET",
        headers: requestHeaders,
        body,
        dispatcher: agent,
        signal,
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
      });
      const headers = normalizeHeaders(res.headers);
      const status = res.statusCode;
      const location = headers.location;
      // Destroying an unread body emits an abort error: swallow it, we chose to stop reading.
      res.body.on("error", () => undefined);
      if (req.followRedirects !== false && status >= 300 && status < 400 && location) {
        res.body.destroy();
        const next = new URL(location, url).toString();
        redirects.push(url);
        if (redirects.includes(next) || redirects.length > limits.maxRedirects) {
          const error = redirects.includes(next)
            ? "redirect loop"
            : `more than ${limits.maxRedirects} redirects`;
          return result({ status, headers, finalUrl: next, error });
        }
        // Credentials never follow a redirect to another origin (as fetch and browsers do).
        if (new URL(next).origin !== new URL(url).origin) requestHeaders = stripCredentials(requestHeaders);
        url = next;
        if (status !== 307 && status !== 308) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      try {
        for await (const chunk of res.body) {
          const buf = chunk as Buffer;
          const room = limits.maxBodyBytes - size;
          if (buf.length >= room) {
            chunks.push(buf.subarray(0, room));
            size += room;
            truncated = true;
            break;
          }
          chunks.push(buf);
          size += buf.length;
        }
      } catch (err) {
        // A body that stalls past the deadline: keep what arrived.
        const text = Buffer.concat(chunks).toString("utf8");
        return result({
          status,
          headers,
          body: text,
          bodyTruncated: true,
          error: describe(err, limits),
          timedOut: true,
        });
      } finally {
        res.body.destroy();
      }
      return result({
        status,
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        bodyTruncated: truncated,
      });
    } catch (err) {
      return result({ error: describe(err, limits) });
    }
  }
}

/** Keep only headers that carry no credential: the probe's own and the CORS test's. */
function stripCredentials(headers: Record<string, string> | undefined): Record<string, string> {
  const keep = new Set([
    "user-agent",
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "content-type",
  ]);
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => keep.has(k.toLowerCase())));
}

function describe(err: unknown, limits: HttpLimits): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (
    e.name === "TimeoutError" ||
    e.name === "AbortError" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  ) {
    return `no answer within ${limits.timeoutMs / 1000} s`;
  }
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "HPE_INVALID_CONSTANT" || code?.startsWith("HPE_")) return "not an HTTP answer";
  return `${code ?? e.name ?? "error"}${e.message ? `: ${e.message.split("\n")[0]}` : ""}`;
}
