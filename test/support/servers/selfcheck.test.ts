// Self-check of the probe tests' servers: each one starts, shows the behaviour its variant
// promises, and frees its port on close().
import { X509Certificate } from "node:crypto";
import net from "node:net";
import { fetch, type Response } from "undici";
import { describe, expect, it } from "vitest";
import {
  ADMIN_API_KEY,
  ALLOWED_ORIGIN,
  API_KEY,
  FAKE,
  makeTestPki,
  type RunningServer,
  SOFT_404_HEADERS,
  startExpressApp,
  startFastApi,
  startFastifyApp,
  startHostile,
  startHttpsServer,
  startNodeServer,
  trustingAgent,
} from "./index.js";

const EVIL = "https://evil.example";

/** Resolves to the connect error code once the server is gone (ECONNREFUSED expected). */
function connectError(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function closeAndCheck(server: RunningServer): Promise<void> {
  await server.close();
  expect(await connectError(server.url)).toBe("ECONNREFUSED");
}

/** What a failed fetch failed with: the cause's code (or the error's name / message). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const cause: unknown = err instanceof Error ? err.cause : undefined;
    if (cause && typeof cause === "object" && "code" in cause && typeof cause.code === "string")
      return cause.code;
    if (cause instanceof Error) return cause.message;
    if (err instanceof Error) return err.name === "TypeError" ? err.message : err.name;
    return String(err);
  }
  return "no error";
}

const get = (url: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { headers, signal: AbortSignal.timeout(5000), redirect: "manual" });

describe("node servers and the test PKI", () => {
  it("serves plain http and frees the port on close", async () => {
    const server = await startNodeServer((_req, res) => res.end("hello"));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${server.url}/`);
    expect(await res.text()).toBe("hello");
    await closeAndCheck(server);
    await server.close(); // twice is fine
  });

  it("makes a CA and leaves with the promised names and dates", () => {
    const pki = makeTestPki();
    expect(makeTestPki()).toBe(pki); // cached per process
    const ca = new X509Certificate(pki.caCert);
    const day = 86_400_000;
    const left = (pem: string): number => (Date.parse(new X509Certificate(pem).validTo) - Date.now()) / day;
    for (const leaf of [pki.valid, pki.expired, pki.soonExpiring, pki.wrongName]) {
      expect(new X509Certificate(leaf.cert).verify(ca.publicKey)).toBe(true);
    }
    expect(new X509Certificate(pki.valid.cert).subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(new X509Certificate(pki.wrongName.cert).subjectAltName).toBe("DNS:wrong.example");
    expect(left(pki.valid.cert)).toBeGreaterThan(29);
    expect(left(pki.expired.cert)).toBeLessThan(-1);
    expect(left(pki.soonExpiring.cert)).toBeGreaterThan(4);
    expect(left(pki.soonExpiring.cert)).toBeLessThan(6);
  });

  it("https: trusted with the CA, refused when expired, misnamed or untrusted", async () => {
    const pki = makeTestPki();
    const dispatcher = trustingAgent(pki.caCert);
    const handler = (_req: unknown, res: { end(s: string): void }): void => res.end("tls ok");
    const fetchTls = (url: string): Promise<Response> =>
      fetch(`${url}/`, { dispatcher, signal: AbortSignal.timeout(5000) });
    try {
      const valid = await startHttpsServer(handler, pki.valid);
      expect(valid.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetchTls(valid.url)).text()).toBe("tls ok");
      expect(await failure(fetch(`${valid.url}/`, { signal: AbortSignal.timeout(5000) }))).toBe(
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      );
      const soon = await startHttpsServer(handler, pki.soonExpiring);
      expect(await (await fetchTls(soon.url)).text()).toBe("tls ok");
      const expired = await startHttpsServer(handler, pki.expired);
      expect(await failure(fetchTls(expired.url))).toBe("CERT_HAS_EXPIRED");
      const wrong = await startHttpsServer(handler, pki.wrongName);
      expect(await failure(fetchTls(wrong.url))).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      for (const s of [valid, soon, expired, wrong]) await closeAndCheck(s);
    } finally {
      await dispatcher.close();
    }
  });
});

describe("express", () => {
  it("insecure: open API, wildcard CORS, /.env served, secret in the bundle", async () => {
    const server = await startExpressApp("insecure");
    const home = await get(`${server.url}/`, { origin: EVIL });
    expect(home.status).toBe(200);
    expect(home.headers.get("x-powered-by")).toBe("Express");
    expect(home.headers.get("access-control-allow-origin")).toBe("*");
    expect(home.headers.get("set-cookie")).toBe("session=abc; Path=/");
    expect(home.headers.get("content-security-policy")).toBeNull();
    expect(await home.text()).toContain('src="/assets/app.js"');
    const env = await get(`${server.url}/.env`);
    expect(env.status).toBe(200);
    expect(await env.text()).toContain(`OPENAI_API_KEY=${FAKE.openaiKey}`);
    expect((await get(`${server.url}/.git/HEAD`)).status).toBe(200);
    expect(await (await get(`${server.url}/assets/app.js`)).text()).toContain(FAKE.stripeSecret);
    for (const p of ["/api/generate", "/v1/models", "/admin/stats", "/health"]) {
      const res = await get(`${server.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get("ratelimit"), p).toBeNull();
    }
    const post = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "cat" }),
    });
    expect(await post.json()).toMatchObject({ prompt: "cat" });
    await closeAndCheck(server);
  });

  it("reflect-credentials: echoes any Origin with credentials", async () => {
    const server = await startExpressApp("reflect-credentials");
    const res = await get(`${server.url}/api/generate`, { origin: EVIL });
    expect(res.headers.get("access-control-allow-origin")).toBe(EVIL);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    await closeAndCheck(server);
  });

  it("hardened: helmet headers, allowlisted CORS, API key, admin key", async () => {
    const server = await startExpressApp("hardened", { rateLimitPerMinute: 1000 });
    const home = await get(`${server.url}/`, { origin: EVIL });
    expect(home.status).toBe(200);
    expect(home.headers.get("x-powered-by")).toBeNull();
    expect(home.headers.get("access-control-allow-origin")).toBeNull();
    expect(home.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(home.headers.get("strict-transport-security")).toContain("max-age=");
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(home.headers.get("set-cookie")).toBe("session=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(home.headers.get("ratelimit-policy")).toBeTruthy();
    expect(home.headers.get("ratelimit")).toBeTruthy();
    const bundle = await (await get(`${server.url}/assets/app.js`)).text();
    expect(bundle).toContain(FAKE.stripePublishable);
    expect(bundle).not.toContain("sk_live_");
    const denied = await get(`${server.url}/api/generate`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ detail: "Invalid API key" });
    expect((await get(`${server.url}/.env`)).status).toBe(401);
    expect((await get(`${server.url}/api/generate`, { "x-api-key": API_KEY })).status).toBe(200);
    expect((await get(`${server.url}/v1/models`, { "x-api-key": API_KEY })).status).toBe(200);
    expect((await get(`${server.url}/admin/stats`, { "x-api-key": API_KEY })).status).toBe(403);
    expect((await get(`${server.url}/admin/stats`, { "x-api-key": ADMIN_API_KEY })).status).toBe(200);
    const allowed = await get(`${server.url}/health`, { origin: ALLOWED_ORIGIN });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    const preflight = await fetch(`${server.url}/api/generate`, {
      method: "OPTIONS",
      headers: { origin: EVIL, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    await closeAndCheck(server);
  });

  it("hardened: 429 on the 11th request in a minute", async () => {
    const server = await startExpressApp("hardened");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await get(`${server.url}/api/generate`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    await closeAndCheck(server);
  });
});

describe("fastify", () => {
  it("insecure: open API, wildcard CORS, /.env served", async () => {
    const server = await startFastifyApp("insecure");
    const home = await get(`${server.url}/`, { origin: EVIL });
    expect(home.status).toBe(200);
    expect(home.headers.get("access-control-allow-origin")).toBe("*");
    expect(home.headers.get("set-cookie")).toBe("session=abc; Path=/");
    expect(await (await get(`${server.url}/.env`)).text()).toContain(FAKE.openaiKey);
    expect(await (await get(`${server.url}/assets/app.js`)).text()).toContain(FAKE.stripeSecret);
    for (const p of ["/api/generate", "/v1/models", "/admin/stats", "/health"]) {
      expect((await get(`${server.url}${p}`)).status, p).toBe(200);
    }
    expect((await get(`${server.url}/nope`)).status).toBe(404);
    await closeAndCheck(server);
  });

  it("hardened: helmet, allowlisted CORS, API key, rate limit", async () => {
    const server = await startFastifyApp("hardened");
    const home = await get(`${server.url}/`, { origin: EVIL }); // 1
    expect(home.status).toBe(200);
    expect(home.headers.get("access-control-allow-origin")).toBeNull();
    expect(home.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(home.headers.get("x-ratelimit-limit")).toBe("10");
    const denied = await get(`${server.url}/api/generate`); // 2
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ detail: "Invalid API key" });
    expect((await get(`${server.url}/api/generate`, { "x-api-key": API_KEY })).status).toBe(200); // 3
    expect((await get(`${server.url}/admin/stats`, { "x-api-key": API_KEY })).status).toBe(403); // 4
    expect((await get(`${server.url}/admin/stats`, { "x-api-key": ADMIN_API_KEY })).status).toBe(200); // 5
    const allowed = await get(`${server.url}/health`, { origin: ALLOWED_ORIGIN }); // 6
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    const statuses: number[] = [];
    for (let i = 7; i <= 11; i++) statuses.push((await get(`${server.url}/api/generate`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    await closeAndCheck(server);
  });
});

describe("fastapi under uvicorn", () => {
  it("dev: docs exposed, no auth (422 from the handler), wildcard CORS", async () => {
    const server = await startFastApi("dev");
    expect((await get(`${server.url}/docs`)).status).toBe(200);
    const spec = await get(`${server.url}/openapi.json`);
    expect(spec.status).toBe(200);
    expect(await spec.json()).toMatchObject({ info: { title: "Dreamy Vision Server" } });
    const enhance = await fetch(`${server.url}/enhance`, {
      method: "POST",
      signal: AbortSignal.timeout(5000),
    });
    expect(enhance.status).toBe(422);
    const models = await get(`${server.url}/models`, { origin: EVIL });
    expect(models.status).toBe(200);
    expect(models.headers.get("access-control-allow-origin")).toBe("*");
    await closeAndCheck(server);
  });

  it("hardened: 401 without key, no docs, security headers, 429 with Retry-After", async () => {
    const server = await startFastApi("hardened");
    const health = await get(`${server.url}/health`, { origin: EVIL }); // 1
    expect(health.status).toBe(200);
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
    expect(health.headers.get("content-security-policy")).toBe("default-src 'self'");
    expect(health.headers.get("x-frame-options")).toBe("DENY");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("referrer-policy")).toBe("no-referrer");
    const denied = await get(`${server.url}/models`); // 2
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ detail: "Invalid API key" });
    const enhance = await fetch(`${server.url}/enhance`, {
      method: "POST",
      signal: AbortSignal.timeout(5000),
    }); // 3
    expect(enhance.status).toBe(401);
    expect((await get(`${server.url}/models`, { "x-api-key": API_KEY })).status).toBe(200); // 4
    expect((await get(`${server.url}/docs`)).status).toBe(404); // 5
    expect((await get(`${server.url}/openapi.json`)).status).toBe(404); // 6
    const allowed = await get(`${server.url}/health`, { origin: ALLOWED_ORIGIN }); // 7
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    for (let i = 8; i <= 10; i++) expect((await get(`${server.url}/health`)).status).toBe(200);
    const limited = await get(`${server.url}/health`); // 11
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("x-frame-options")).toBe("DENY");
    await closeAndCheck(server);
  });

  it("a crashing app rejects with uvicorn's output", async () => {
    const err = await startFastApi("hardened", { env: { RATE_LIMIT_PER_MINUTE: "lots" } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited with 1 before it answered/);
    expect((err as Error).message).toContain("ValueError");
  });
});

describe("hostile servers", () => {
  it("silent: the request times out", async () => {
    const server = await startHostile("silent");
    const t0 = Date.now();
    expect(await failure(fetch(`${server.url}/`, { signal: AbortSignal.timeout(300) }))).toBe("TimeoutError");
    expect(Date.now() - t0).toBeLessThan(2000);
    await closeAndCheck(server);
  });

  it("endless-body: more than 1 MiB arrives and it never ends", async () => {
    const server = await startHostile("endless-body");
    const res = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    let bytes = 0;
    while (reader && bytes <= 1024 * 1024) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    expect(bytes).toBeGreaterThan(1024 * 1024);
    await reader?.cancel();
    await closeAndCheck(server);
  });

  it("redirect-loop: /a -> /b -> /a, and following it fails", async () => {
    const server = await startHostile("redirect-loop");
    const a = await get(`${server.url}/a`);
    expect(a.status).toBe(302);
    expect(a.headers.get("location")).toBe("/b");
    expect((await get(`${server.url}/b`)).headers.get("location")).toBe("/a");
    expect(await failure(fetch(`${server.url}/`, { signal: AbortSignal.timeout(5000) }))).toBe(
      "redirect count exceeded",
    );
    await closeAndCheck(server);
  });

  it("slow-drip: headers at once, then a byte every 500 ms; close() ends an open response", async () => {
    const server = await startHostile("slow-drip");
    const t0 = Date.now();
    const res = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(1300) });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(400);
    let bytes = 0;
    const reading = (async () => {
      for await (const chunk of res.body ?? []) bytes += (chunk as Uint8Array).byteLength;
    })();
    expect(await failure(reading)).toBe("TimeoutError");
    expect(bytes).toBeGreaterThanOrEqual(1);
    expect(bytes).toBeLessThanOrEqual(3);
    const open = await fetch(`${server.url}/`);
    const pending = open.text();
    await closeAndCheck(server);
    expect(await failure(pending)).not.toBe("no error");
  });

  it("soft-404: 200 and the same page for every path, every security header", async () => {
    const server = await startHostile("soft-404");
    const home = await (await get(`${server.url}/`)).text();
    for (const p of ["/.env", "/.git/HEAD", "/docs", "/definitely-not-here"]) {
      const res = await get(`${server.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(await res.text(), p).toBe(home);
      for (const [name, value] of Object.entries(SOFT_404_HEADERS))
        expect(res.headers.get(name), name).toBe(value);
    }
    expect(home.startsWith("<!doctype html>")).toBe(true);
    await closeAndCheck(server);
  });

  it("garbage: not HTTP, the request fails fast", async () => {
    const server = await startHostile("garbage");
    const t0 = Date.now();
    expect(await failure(fetch(`${server.url}/`, { signal: AbortSignal.timeout(3000) }))).not.toBe(
      "TimeoutError",
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    await closeAndCheck(server);
  });
});
