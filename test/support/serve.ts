import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";

/** A Hono app on a free port of 127.0.0.1, as `npm start` serves it: tests call it over a real socket. */
export interface Served {
  url: string;
  close: () => Promise<void>;
}

export const serveApp = async (app: { fetch: (r: Request, ...rest: never[]) => Response | Promise<Response> }): Promise<Served> => {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch as never, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};
