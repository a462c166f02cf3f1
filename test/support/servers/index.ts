// Real servers for the `secaudit probe` tests. Every server binds 127.0.0.1 on a free port and
// returns { url, close() }: url like "http://127.0.0.1:43123" (no trailing slash); close() frees the
// port (open sockets destroyed, child processes ended) and is safe to call twice.
//
//   startNodeServer(handler)           plain node:http
//   startHttpsServer(handler, tls)     node:https with { key, cert } (see makeTestPki)
//   makeTestPki(dir?)                  throwaway CA + valid / expired / soonExpiring / wrongName leaves
//   trustingAgent(caCert)              undici Agent trusting that CA: fetch(url, { dispatcher })
//   startExpressApp(variant, opts?)    "insecure" | "reflect-credentials" | "hardened"
//   startFastifyApp(variant, opts?)    "insecure" | "hardened"
//   startFastApi(variant, opts?)       "dev" | "hardened" under /usr/bin/python3 -m uvicorn
//   startHostile(kind)                 "silent" | "endless-body" | "redirect-loop" | "slow-drip" |
//                                      "soft-404" | "garbage"
//
// The hardened apps rate-limit at 10 requests per minute and count every request: start a fresh
// server per test, or pass { rateLimitPerMinute } when a test needs more requests than that.

export { ADMIN_API_KEY, ALLOWED_ORIGIN, API_KEY, ENV_FILE, FAKE, GIT_HEAD } from "./content.js";
export { type AppOptions, type ExpressVariant, startExpressApp } from "./express-app.js";
export { type FastApiOptions, type FastApiVariant, PYTHON, startFastApi } from "./fastapi.js";
export { type FastifyVariant, startFastifyApp } from "./fastify-app.js";
export { GARBAGE_PREFIX, type HostileKind, SOFT_404_HEADERS, startHostile } from "./hostile.js";
export { HOST, type RunningServer, startHttpsServer, startNodeServer, type TlsMaterial } from "./listen.js";
export { makeTestPki, type TestPki, trustingAgent } from "./pki.js";
