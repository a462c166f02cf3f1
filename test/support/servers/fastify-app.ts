import fastifyCors from "@fastify/cors";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import {
  ADMIN_API_KEY,
  ADMIN_STATS,
  ALLOWED_ORIGIN,
  API_KEY,
  appBundle,
  ENV_FILE,
  GIT_HEAD,
  generation,
  indexHtml,
  MODELS,
} from "./content.js";
import type { AppOptions } from "./express-app.js";
import { HOST, type RunningServer } from "./listen.js";

export type FastifyVariant = "insecure" | "hardened";

/**
 * The same "AI wrapper" API on Fastify 5: `/`, `/assets/app.js`, `/health`, `/api/generate` (GET and
 * POST), `/admin/stats`, `/v1/models`.
 *
 * - insecure: `@fastify/cors` with `origin: "*"`, no helmet, no rate limit, every route open,
 *   `Set-Cookie: session=abc; Path=/`, the bundle with a Stripe `sk_live_` key, and `/.env` and
 *   `/.git/HEAD` served as text (as a static plugin with dotfiles allowed would). Fastify sends no
 *   X-Powered-By; its 404 is JSON `{"message":"Route GET:/x not found",...}`.
 * - hardened: `@fastify/helmet` defaults, `@fastify/cors` allowlist `https://app.example.com`,
 *   `@fastify/rate-limit` (global, 10 per minute: `x-ratelimit-limit/-remaining/-reset` headers,
 *   429 with `retry-after`), and a `preHandler` API-key hook like the Express one (401
 *   `{"detail":"Invalid API key"}`, 403 for the ordinary key on /admin/*; open: `/`, `/health`,
 *   `/assets/*`, and OPTIONS preflights). Auth is a preHandler, not an onRequest hook: the
 *   rate-limit plugin's hooks are per route and would run after a global onRequest hook, so
 *   unauthenticated requests would never be counted. As it is they count and get 429 past the limit.
 */
export async function startFastifyApp(
  variant: FastifyVariant,
  options: AppOptions = {},
): Promise<RunningServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const hardened = variant === "hardened";
  const cookie = hardened ? "session=abc; Path=/; Secure; HttpOnly; SameSite=Lax" : "session=abc; Path=/";

  if (hardened) {
    await app.register(fastifyHelmet);
    await app.register(fastifyCors, { origin: [ALLOWED_ORIGIN] });
    await app.register(fastifyRateLimit, {
      global: true,
      max: options.rateLimitPerMinute ?? 10,
      timeWindow: "1 minute",
    });
    app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
      const p = req.url.split("?")[0] ?? "";
      if (req.method === "OPTIONS" || p === "/" || p === "/health" || p.startsWith("/assets/")) return;
      const key = req.headers["x-api-key"];
      if (key !== API_KEY && key !== ADMIN_API_KEY) {
        return reply.code(401).send({ detail: "Invalid API key" });
      }
      if (p.startsWith("/admin") && key !== ADMIN_API_KEY) {
        return reply.code(403).send({ detail: "Admin key required" });
      }
    });
  } else {
    await app.register(fastifyCors, { origin: "*" });
    app.get("/.env", async (_req, reply) => reply.type("text/plain; charset=utf-8").send(ENV_FILE));
    app.get("/.git/HEAD", async (_req, reply) => reply.type("text/plain; charset=utf-8").send(GIT_HEAD));
  }

  app.get("/", async (_req, reply) =>
    reply.header("set-cookie", cookie).type("text/html; charset=utf-8").send(indexHtml()),
  );
  app.get("/assets/app.js", async (_req, reply) =>
    reply.type("application/javascript; charset=utf-8").send(appBundle(!hardened)),
  );
  app.get("/health", async () => ({ status: "ok" }));
  const generate = async (req: FastifyRequest, reply: FastifyReply) => {
    const body: unknown = req.body;
    const query: unknown = req.query;
    const prompt =
      body && typeof body === "object" && "prompt" in body
        ? body.prompt
        : query && typeof query === "object" && "prompt" in query
          ? query.prompt
          : undefined;
    return reply.header("set-cookie", cookie).send(generation(prompt));
  };
  app.get("/api/generate", generate);
  app.post("/api/generate", generate);
  app.get("/admin/stats", async () => ADMIN_STATS);
  app.get("/v1/models", async () => MODELS);

  await app.listen({ host: HOST, port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fastify server has no TCP address");
  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${address.port}`,
    close(): Promise<void> {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
