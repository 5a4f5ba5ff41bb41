import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: the target, reached through the proxy. */
  endpoint: string;
  /** Closes the port and every connection through it: from then on the target looks stopped. */
  stop(): Promise<void>;
}

/**
 * A loopback TCP proxy to `target` (`http://host:port`). A test that needs a service to go away
 * stops the proxy instead of the shared service: the client sees the same refused connections,
 * and no second JVM has to start on a loaded machine.
 */
export const startTcpProxy = async (target: string): Promise<TcpProxy> => {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: own } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${own}`,
    stop: () =>
      (stopped ??= new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      })),
  };
};
