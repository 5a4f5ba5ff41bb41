import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { Context } from "aws-lambda";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import { filtersOf, parseClientMessage, serverMessages, type ServerMessage } from "#domain/feed/messages.js";
import { ConnectionGoneError, type ConnectionStore, type FeedSender, type WelcomeState } from "#domain/feed/ports.js";
import { DEFAULT_FEED_SHARDS, shardOf } from "#domain/feed/shards.js";
import { claimOf, createWelcomeFirst, type WelcomeFirstDeps } from "./welcome-first.js";
import { ok, webSocketEventSchema, type WebSocketEvent, type WebSocketResult } from "./ws-event.js";

/**
 * The WebSocket API's three routes. `$connect` only records the connection: API Gateway opens it
 * after the handler returns, so nothing can be posted to it yet (the welcome is sent by ws-welcome,
 * triggered by the connections table's stream, or by whoever has something for the client first:
 * ./welcome-first.ts). `$default` handles the client's commands.
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
  /** FEED_SHARDS: the connection's fan-out shard is stored with it. */
  shards?: number;
}

export const createConnectHandler = (deps: ConnectDeps) => async (raw: unknown): Promise<WebSocketResult> => {
  const event = parseEvent(raw);
  const { connectionId } = event.requestContext;
  if (deps.token !== undefined && !tokenMatches(event.queryStringParameters?.token ?? undefined, deps.token)) {
    deps.logger.info("WebSocket connection refused: missing or wrong token", { connectionId });
    return { statusCode: 401, body: "Unauthorized" };
  }
  await deps.connections.add({
    connectionId,
    connectedAt: event.requestContext.connectedAt ?? deps.now(),
    shard: shardOf(connectionId, deps.shards ?? DEFAULT_FEED_SHARDS),
  });
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
  /** How it waits for a welcome another function is sending (./welcome-first.ts); for tests. */
  welcome?: Pick<WelcomeFirstDeps, "waitMs" | "sleep">;
}

/** Connections an environment remembers as welcomed; a few hundred KB at most. */
const REMEMBERED_WELCOMES = 10_000;

/**
 * `$default`: subscribe / unsubscribe / ping. A bad message gets an error reply; the socket stays
 * open. Every reply comes after the `connection` welcome: a client that subscribes the moment it is
 * open may be faster than the stream that greets it (./welcome-first.ts).
 */
export const createDefaultHandler = (deps: DefaultRouteDeps) => {
  const welcomeFirst = createWelcomeFirst({ ...deps, ...deps.welcome });
  // A welcome once sent stays sent: this environment's later messages from that client skip the
  // check (a ping would otherwise cost a read each).
  const welcomed = new Set<string>();
  const remember = (connectionId: string) => {
    welcomed.add(connectionId);
    if (welcomed.size > REMEMBERED_WELCOMES) welcomed.delete(welcomed.values().next().value!);
  };

  return async (raw: unknown, context?: Context): Promise<WebSocketResult> => {
    const event = parseEvent(raw);
    const { connectionId } = event.requestContext;
    const body = event.isBase64Encoded === true && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    const parsed = parseClientMessage(body);

    // subscribe and unsubscribe learn where the welcome stands from their own write. The reply is
    // timestamped when it is sent, after any wait for the welcome.
    let known: WelcomeState | undefined;
    let reply: (at: number) => ServerMessage;
    if (!parsed.ok) {
      reply = (at) => serverMessages.error(parsed.error, at);
    } else if (parsed.message.action === "ping") {
      reply = (at) => serverMessages.pong(at);
    } else if (parsed.message.action === "subscribe") {
      const filters = filtersOf(parsed.message);
      known = await deps.connections.setFilters(connectionId, Object.keys(filters).length > 0 ? filters : undefined);
      if (known === undefined) return ok();
      reply = (at) => serverMessages.subscribed(filters, at);
    } else {
      known = await deps.connections.setFilters(connectionId, undefined);
      if (known === undefined) return ok();
      reply = (at) => serverMessages.unsubscribed(at);
    }
    if (!welcomed.has(connectionId)) {
      const claim = claimOf(`ws-default:${event.requestContext.requestId ?? randomUUID()}`, deps.now(), context);
      const outcome = await welcomeFirst.ensure(connectionId, claim, known);
      if (outcome === "gone") return ok();
      if (outcome === "sent") remember(connectionId);
    }
    try {
      await deps.sender.send(connectionId, reply(deps.now()));
    } catch (error) {
      if (!(error instanceof ConnectionGoneError)) throw error;
      // The client left while we answered: nothing to tell it.
    }
    return ok();
  };
};
