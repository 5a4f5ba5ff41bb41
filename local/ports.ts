import { createServer } from "node:net";

/** Asks the OS for a port nobody listens on (it may, rarely, be taken again before we bind it). */
export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * Whether we could listen on `port`. Checked before starting a child that would otherwise fail
 * late, or worse, whose readiness probe would be answered by whoever already holds the port.
 */
export const isPortFree = (port: number, host?: string): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "EADDRINUSE" || error.code === "EACCES" ? resolve(false) : reject(error),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
