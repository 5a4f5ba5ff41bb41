import { createHash, timingSafeEqual } from "node:crypto";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import { filtersOf, parseClientMessage, serverMessages, type ServerMessage } from "#domain/feed/messages.js";
import { ConnectionGoneError, type ConnectionStore, type FeedSender } from "#domain/feed/ports.js";
import { ok, webSocketEventSchema, type WebSocketEvent, type WebSocketResult } from "./ws-event.js";

/**
 * The WebSocket API's three routes. `$connect` only records the connection: API Gateway opens it
 * after the handler returns, so nothing can be posted to it yet (the welcome is sent by ws-welcome,
 * triggered by the connections table's stream). `$default` handles the client's commands.
 */

const parseEvent = (event: unknown): WebSocketEvent => {
  const parsed = webSocketEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError(`Not an API Gateway WebSocket event: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
};

/** Constant-time, whatever the lengths: compare digests, never the strings. */
export const tokenMatches = (given: string | undefined, expected: string): boolean => {
  if (given === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
};

export interface ConnectDeps {
  connections: ConnectionStore;
  /** WS_TOKEN: when set, `?token=` must equal it. */
  token?: string | undefined;
  now: () => number;
  logger: AppLogger;
}

export const createConnectHandler = (deps: ConnectDeps) => async (raw: unknown): Promise<WebSocketResult> => {
  const event = parseEvent(raw);
  const { connectionId } = event.requestContext;
  if (deps.token !== undefined && !tokenMatches(event.queryStringParameters?.token ?? undefined, deps.token)) {
    deps.logger.info("WebSocket connection refused: missing or wrong token", { connectionId });
    return { statusCode: 401, body: "Unauthorized" };
  }
  await deps.connections.add({ connectionId, connectedAt: event.requestContext.connectedAt ?? deps.now() });
  deps.logger.debug("WebSocket connected", { connectionId });
  return ok();
};

export const createDisconnectHandler = (deps: { connections: ConnectionStore; logger: AppLogger }) =>
  async (raw: unknown): Promise<WebSocketResult> => {
    const { connectionId } = parseEvent(raw).requestContext;
    await deps.connections.remove(connectionId);
    deps.logger.debug("WebSocket disconnected", { connectionId });
    return ok();
  };

export interface DefaultRouteDeps {
  connections: ConnectionStore;
  sender: FeedSender;
  now: () => number;
  logger: AppLogger;
}

/** `$default`: subscribe / unsubscribe / ping. A bad message gets an error reply; the socket stays open. */
export const createDefaultHandler = (deps: DefaultRouteDeps) => async (raw: unknown): Promise<WebSocketResult> => {
  const event = parseEvent(raw);
  const { connectionId } = event.requestContext;
  const body = event.isBase64Encoded === true && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  const parsed = parseClientMessage(body);

  let reply: ServerMessage;
  if (!parsed.ok) {
    reply = serverMessages.error(parsed.error, deps.now());
  } else if (parsed.message.action === "ping") {
    reply = serverMessages.pong(deps.now());
  } else if (parsed.message.action === "subscribe") {
    const filters = filtersOf(parsed.message);
    if (!(await deps.connections.setFilters(connectionId, Object.keys(filters).length > 0 ? filters : undefined))) return ok();
    reply = serverMessages.subscribed(filters, deps.now());
  } else {
    if (!(await deps.connections.setFilters(connectionId, undefined))) return ok();
    reply = serverMessages.unsubscribed(deps.now());
  }
  try {
    await deps.sender.send(connectionId, reply);
  } catch (error) {
    if (!(error instanceof ConnectionGoneError)) throw error;
    // The client left while we answered: nothing to tell it.
  }
  return ok();
};
