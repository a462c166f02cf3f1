import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import cors from "cors";
import express, { type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
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
import { listenTracked, type RunningServer } from "./listen.js";

export type ExpressVariant = "insecure" | "reflect-credentials" | "hardened";

export interface AppOptions {
  /** Requests per minute before 429 in the hardened variant (default 10). Every request counts. */
  rateLimitPerMinute?: number;
}

/**
 * A realistic Express 5 "AI wrapper" API: `/` (HTML loading /assets/app.js), `/assets/app.js`,
 * `/health`, `/api/generate` (GET and POST), `/admin/stats`, `/v1/models`.
 *
 * - insecure: `cors()` (ACAO: *), no helmet, no rate limit, X-Powered-By: Express, every route open,
 *   `Set-Cookie: session=abc; Path=/` on `/` and `/api/generate`, and `express.static` over a folder
 *   holding `.env` and `.git/HEAD` with `dotfiles: "allow"` (serve-static's default "ignore" would
 *   404 them), so `/.env` is 200 text/plain with an OPENAI_API_KEY. The bundle inlines a Stripe
 *   `sk_live_` secret key next to the `pk_live_` one.
 * - reflect-credentials: the same, but `cors({ origin: true, credentials: true })`: any Origin is
 *   echoed back with `Access-Control-Allow-Credentials: true`.
 * - hardened: helmet() defaults, `cors({ origin: ["https://app.example.com"] })`, express-rate-limit
 *   (10/min, `standardHeaders: "draft-8"`: `RateLimit-Policy` and `RateLimit` headers, 429 after the
 *   limit, counted before auth so unauthenticated requests count too), then API-key auth on
 *   everything but `/`, `/health`, `/assets/*`: 401 `{"detail":"Invalid API key"}` without
 *   `X-API-Key: test-key-123456`; `/admin/*` wants the admin key (403 for the ordinary key). Unknown
 *   paths such as /.env are 401 too (auth runs first). Cookie: `Secure; HttpOnly; SameSite=Lax`.
 *   No X-Powered-By. Preflights (OPTIONS) are answered by cors before auth.
 */
export async function startExpressApp(
  variant: ExpressVariant,
  options: AppOptions = {},
): Promise<RunningServer> {
  const app = express();
  const hardened = variant === "hardened";
  const cookie = hardened ? "session=abc; Path=/; Secure; HttpOnly; SameSite=Lax" : "session=abc; Path=/";
  let staticDir: string | undefined;

  if (hardened) {
    app.disable("x-powered-by");
    app.use(helmet());
    app.use(cors({ origin: [ALLOWED_ORIGIN] }));
    app.use(
      rateLimit({
        windowMs: 60_000,
        limit: options.rateLimitPerMinute ?? 10,
        standardHeaders: "draft-8",
        legacyHeaders: false,
        message: { detail: "Too many requests" },
      }),
    );
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.path === "/" || req.path === "/health" || req.path.startsWith("/assets/")) return next();
      const key = req.get("x-api-key");
      if (key !== API_KEY && key !== ADMIN_API_KEY) {
        res.status(401).json({ detail: "Invalid API key" });
        return;
      }
      if (req.path.startsWith("/admin") && key !== ADMIN_API_KEY) {
        res.status(403).json({ detail: "Admin key required" });
        return;
      }
      next();
    });
  } else {
    app.use(variant === "reflect-credentials" ? cors({ origin: true, credentials: true }) : cors());
    staticDir = mkdtempSync(path.join(os.tmpdir(), "secaudit-express-static-"));
    writeFileSync(path.join(staticDir, ".env"), ENV_FILE);
    mkdirSync(path.join(staticDir, ".git"));
    writeFileSync(path.join(staticDir, ".git", "HEAD"), GIT_HEAD);
    app.use(express.static(staticDir, { dotfiles: "allow" }));
  }
  app.use(express.json());

  app.get("/", (_req, res) => {
    res.set("Set-Cookie", cookie).type("html").send(indexHtml());
  });
  app.get("/assets/app.js", (_req, res) => {
    res.type("application/javascript").send(appBundle(!hardened));
  });
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  const generate = (req: Request, res: Response): void => {
    const body: unknown = req.body;
    const prompt =
      body && typeof body === "object" && "prompt" in body ? body.prompt : (req.query.prompt ?? undefined);
    res.set("Set-Cookie", cookie).json(generation(prompt));
  };
  app.get("/api/generate", generate);
  app.post("/api/generate", generate);
  app.get("/admin/stats", (_req, res) => {
    res.json(ADMIN_STATS);
  });
  app.get("/v1/models", (_req, res) => {
    res.json(MODELS);
  });

  const dir = staticDir;
  return listenTracked(http.createServer(app), "http", () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
