import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebSocket } from "ws";
import { MAX_FEED_MESSAGE_BYTES } from "#domain/feed/messages.js";

/**
 * The local gateway's management API, as API Gateway serves it to `ApiGatewayManagementApiClient`:
 * `POST /@connections/{id}` sends the body to that client as a text message (a body over 128 KB is
 * `413 PayloadTooLargeException`), `GET` describes the connection, `DELETE` closes it; an unknown
 * or closed connection is `410 GoneException`.
 *
 * Served on Node's request and response directly, ahead of the HTTP app: a fan-out posts once per
 * client per event, and the fetch Request and Response the app would build for each post cost
 * about a seventh of a delivery's CPU on the server (measured with `npm run bench:api`).
 */

export interface ManagedConnection {
  ws: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

const PREFIX = "/@connections/";
const METHODS = new Set(["POST", "GET", "DELETE"]);

/**
 * The whole body of a Node request, as one Buffer (no copy when it came in one chunk), or
 * undefined when it is over `max` bytes: the rest is read and dropped, never held.
 */
const readBody = (req: IncomingMessage, max: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once("end", () => resolve(size > max ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers }).end(text);
};

const gone = (res: ServerResponse): void => json(res, 410, { message: "Gone" }, { "x-amzn-errortype": "GoneException" });

/** What API Gateway answers a post over its message limit; the SDK throws PayloadTooLargeException. */
const tooLarge = (res: ServerResponse): void =>
  json(res, 413, { message: `Message larger than ${MAX_FEED_MESSAGE_BYTES} bytes` }, { "x-amzn-errortype": "PayloadTooLargeException" });

/** The connection id of `/@connections/{id}` (percent-decoded), or undefined for another path. */
export const connectionIdOf = (url: string | undefined): string | undefined => {
  if (url === undefined || !url.startsWith(PREFIX)) return undefined;
  const path = url.slice(PREFIX.length).split("?", 1)[0]!;
  if (path === "" || path.includes("/")) return undefined;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
};

/**
 * Returns a request listener for the management API that answers its own paths and returns true,
 * or leaves the request alone and returns false. `live` finds an open connection by id.
 */
export const createManagementApi =
  (live: (connectionId: string) => ManagedConnection | undefined) =>
  (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!req.url?.startsWith(PREFIX)) return false;
    const id = connectionIdOf(req.url);
    const conn = id === undefined ? undefined : live(id);
    if (req.method === "POST" && conn !== undefined) {
      // Answered once the message is handed to the client's socket, as API Gateway answers.
      // Over API Gateway's message limit: refused as there, so tests see what the cloud would do.
      readBody(req, MAX_FEED_MESSAGE_BYTES).then(
        (data) =>
          data === undefined
            ? tooLarge(res)
            : conn.ws.send(data, { binary: false }, (e) => (e ? gone(res) : res.writeHead(200, { "content-length": "0" }).end())),
        () => res.destroy(),
      );
      return true;
    }
    // Every other answer ignores the body.
    req.resume();
    if (id === undefined || !METHODS.has(req.method ?? "")) {
      json(res, 404, { message: "Not Found" });
    } else if (conn === undefined) {
      gone(res);
    } else if (req.method === "GET") {
      json(res, 200, {
        connectedAt: new Date(conn.connectedAt).toISOString(),
        lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
      });
    } else {
      conn.ws.close(1000);
      res.writeHead(204).end();
    }
    return true;
  };
