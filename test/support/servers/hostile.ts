import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { indexHtml } from "./content.js";
import { listenTracked, type RunningServer } from "./listen.js";

export type HostileKind = "silent" | "endless-body" | "redirect-loop" | "slow-drip" | "soft-404" | "garbage";

/** The headers the soft-404 server sends on every answer: a scanner must not read them as a pass for /.env. */
export const SOFT_404_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
  "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-cache",
};

/** The bytes the garbage server sends before closing: an SSH banner and random binary, no HTTP. */
export const GARBAGE_PREFIX = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";

const CHUNK = Buffer.alloc(64 * 1024, "A");

/**
 * Servers that misbehave, to prove the probe has timeouts, size and redirect limits, and does not
 * read a catch-all 200 as an exposed file. Each closes cleanly: close() destroys every open socket
 * and the per-connection timers stop with their sockets.
 *
 * - silent: accepts TCP connections and never writes a byte.
 * - endless-body: 200 `application/octet-stream`, chunked, 64 KiB every 2 ms (waiting for drain
 *   when the client reads slower) until the socket closes.
 * - redirect-loop: `/a` → 302 `/b`, `/b` → 302 `/a`, anything else → 302 `/a`.
 * - slow-drip: 200 `text/plain` headers at once, then one byte ("." ) every 500 ms, never ending.
 * - soft-404: 200 with the same SPA index.html for every method and path (/.env, /.git/HEAD,
 *   /docs...), with every security header set (SOFT_404_HEADERS) and no CORS headers: the
 *   false-positive trap.
 * - garbage: on connect writes GARBAGE_PREFIX plus 256 random bytes and closes: not HTTP at all.
 */
export function startHostile(kind: HostileKind): Promise<RunningServer> {
  switch (kind) {
    case "silent":
      return listenTracked(
        net.createServer(() => {
          // keep the socket open, say nothing
        }),
        "http",
      );
    case "garbage":
      return listenTracked(
        net.createServer((socket) => {
          socket.on("error", () => undefined);
          socket.end(Buffer.concat([Buffer.from(GARBAGE_PREFIX), randomBytes(256)]));
        }),
        "http",
      );
    case "endless-body":
      return listenTracked(
        http.createServer((_req, res) => {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          const timer = setInterval(() => {
            if (!res.writableNeedDrain && !res.destroyed) res.write(CHUNK);
          }, 2);
          res.once("close", () => clearInterval(timer));
        }),
        "http",
      );
    case "slow-drip":
      return listenTracked(
        http.createServer((_req, res) => {
          res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
          res.flushHeaders();
          const timer = setInterval(() => {
            if (!res.destroyed) res.write(".");
          }, 500);
          res.once("close", () => clearInterval(timer));
        }),
        "http",
      );
    case "redirect-loop":
      return listenTracked(
        http.createServer((req, res) => {
          const p = (req.url ?? "/").split("?")[0];
          const to = p === "/a" ? "/b" : "/a";
          res.writeHead(302, { location: to, "content-type": "text/plain" });
          res.end(`Found. Redirecting to ${to}`);
        }),
        "http",
      );
    case "soft-404":
      return listenTracked(
        http.createServer((req, res) => {
          const body = indexHtml("Welcome");
          res.writeHead(200, {
            ...SOFT_404_HEADERS,
            "content-type": "text/html; charset=utf-8",
            "content-length": Buffer.byteLength(body),
          });
          res.end(req.method === "HEAD" ? undefined : body);
        }),
        "http",
      );
  }
}
