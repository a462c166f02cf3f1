import http from "node:http";
import https from "node:https";
import type net from "node:net";

/** A server started for a test: its base URL (no trailing slash) and a close() that frees the port. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface TlsMaterial {
  key: string;
  cert: string;
}

/** Loopback only: no test server ever listens on another interface. */
export const HOST = "127.0.0.1";

/**
 * Listen on 127.0.0.1 with an OS-chosen port, and keep track of every open socket so that close()
 * can destroy them: a hostile or keep-alive client must never keep the port (or the test) alive.
 * `onClose` runs after the port is closed (timers, temp dirs).
 */
export async function listenTracked(
  server: net.Server,
  scheme: "http" | "https",
  onClose?: () => void | Promise<void>,
): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen(0, HOST, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${HOST}:${address.port}`,
    close(): Promise<void> {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        await closed;
        await onClose?.();
      })();
      return closing;
    },
  };
}

/** A plain Node http server on 127.0.0.1:<free port>. */
export function startNodeServer(handler: http.RequestListener): Promise<RunningServer> {
  return listenTracked(http.createServer(handler), "http");
}

/** A Node https server on 127.0.0.1:<free port> with the given key and certificate (PEM). */
export function startHttpsServer(handler: http.RequestListener, tls: TlsMaterial): Promise<RunningServer> {
  return listenTracked(https.createServer({ key: tls.key, cert: tls.cert }, handler), "https");
}
