import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { ValidationError } from "#commons/errors.js";
import { secretMatches } from "#commons/secret-compare.js";
import type { AppLogger } from "#commons/logger.js";
import { filtersOf, parseClientMessage, serverMessages, type ServerMessage } from "#domain/feed/messages.js";
import { DEFAULT_FEED_LIMITS, type FeedLimits } from "#domain/feed/limits.js";
import {
  ConnectionGoneError,
  type ConnectionCloser,
  type ConnectionSlots,
  type ConnectionStore,
  type FeedSender,
  type MessageGate,
  type SlotHolder,
  type WelcomeState,
} from "#domain/feed/ports.js";
import { DEFAULT_FEED_SHARDS, shardOf } from "#domain/feed/shards.js";
import { claimOf, createWelcomeFirst, type WelcomeFirstDeps } from "./welcome-first.js";
import { ok, webSocketEventSchema, type WebSocketEvent, type WebSocketResult } from "./ws-event.js";

/**
 * The WebSocket API's three routes. `$connect` only records the connection: API Gateway opens it
 * after the handler returns, so nothing can be posted to it yet (the welcome is sent by ws-welcome,
 * triggered by the connections table's stream, or by whoever has something for the client first:
 * ./welcome-first.ts). `$default` handles the client's commands.
 *
 * What one client may do (#domain/feed/limits.js) is enforced here, so that it holds in AWS: the
 * connection caps at `$connect` (ConnectionSlots), a message rate per connection at `$default`
 * (MessageGate). API Gateway's stage throttle only bounds all clients together.
 */

const parseEvent = (event: unknown): WebSocketEvent => {
  const parsed = webSocketEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError(`Not an API Gateway WebSocket event: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
};

/** The feed token's check: constant time, whatever the lengths (#commons/secret-compare.js). */
export const tokenMatches = secretMatches;

/** Where the caps count a connection; API Gateway always says its source address. */
const slotHolder = (event: WebSocketEvent, now: () => number): SlotHolder => ({
  connectionId: event.requestContext.connectionId,
  ip: event.requestContext.identity?.sourceIp ?? "unknown",
  connectedAt: event.requestContext.connectedAt ?? now(),
});

export interface ConnectDeps {
  connections: ConnectionStore;
  /** The connection caps; none without. */
  slots?: ConnectionSlots;
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
  const holder = slotHolder(event, deps.now);
  if (deps.slots !== undefined) {
    const slot = await deps.slots.take(holder);
    if (!slot.taken) {
      // API Gateway's own answer to a throttled connect; the client may retry later.
      deps.logger.warn(`WebSocket connection refused: the ${slot.cap === "ip" ? "per-address" : "total"} connection cap is reached`, {
        connectionId,
        sourceIp: holder.ip,
      });
      return { statusCode: 429, body: "Too Many Requests" };
    }
  }
  try {
    await deps.connections.add({
      connectionId,
      connectedAt: holder.connectedAt,
      shard: shardOf(connectionId, deps.shards ?? DEFAULT_FEED_SHARDS),
    });
  } catch (error) {
    await deps.slots?.release(holder).catch(() => undefined); // else it expires with the connection
    throw error;
  }
  deps.logger.debug("WebSocket connected", { connectionId });
  return ok();
};

export const createDisconnectHandler = (deps: { connections: ConnectionStore; slots?: ConnectionSlots; logger: AppLogger }) =>
  async (raw: unknown): Promise<WebSocketResult> => {
    const event = parseEvent(raw);
    const { connectionId, connectedAt } = event.requestContext;
    await deps.connections.remove(connectionId);
    // The event says the address and time it connected from, as $connect's did: the very slot.
    // (Without them the slot is freed by a full cap's look-up, or expires with the connection.)
    if (connectedAt !== undefined) await deps.slots?.release(slotHolder(event, () => connectedAt));
    deps.logger.debug("WebSocket disconnected", { connectionId });
    return ok();
  };

export interface DefaultRouteDeps {
  connections: ConnectionStore;
  /** Each connection's message rate (held with its filters). */
  gate: MessageGate;
  /** Closes a connection that keeps sending over its rate. */
  closer: ConnectionCloser;
  limits?: Pick<FeedLimits, "closeAfterRefused">;
  sender: FeedSender;
  now: () => number;
  logger: AppLogger;
  /** How it waits for a welcome another function is sending (./welcome-first.ts); for tests. */
  welcome?: Pick<WelcomeFirstDeps, "waitMs" | "sleep">;
}

/** The answer to a message over the rate, as API Gateway's throttling and the local gateway word it. */
export const TOO_MANY_REQUESTS = "Too Many Requests";

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

    // Every message counts against the connection's rate, a malformed one too; subscribe and
    // unsubscribe change the filters in that same write. Each learns where the welcome stands from
    // it. The reply is timestamped when it is sent, after any wait for the welcome.
    const filters = parsed.ok && parsed.message.action === "subscribe" ? filtersOf(parsed.message) : undefined;
    const change =
      !parsed.ok || parsed.message.action === "ping"
        ? undefined
        : { filters: filters !== undefined && Object.keys(filters).length > 0 ? filters : undefined };
    const admission = await deps.gate.admit(connectionId, deps.now(), change);
    if (admission === undefined) return ok(); // it closed meanwhile
    let known: WelcomeState | undefined;
    let reply: (at: number) => ServerMessage;
    if (admission.status === "refused") {
      if (admission.refused >= (deps.limits ?? DEFAULT_FEED_LIMITS).closeAfterRefused) {
        deps.logger.warn("WebSocket client closed: it keeps sending over its message rate", { connectionId, refused: admission.refused });
        await deps.closer.close(connectionId);
        return ok();
      }
      reply = (at) => serverMessages.error(TOO_MANY_REQUESTS, at);
    } else {
      known = admission.welcome;
      if (!parsed.ok) reply = (at) => serverMessages.error(parsed.error, at);
      else if (parsed.message.action === "ping") reply = (at) => serverMessages.pong(at);
      else if (filters !== undefined) reply = (at) => serverMessages.subscribed(filters, at);
      else reply = (at) => serverMessages.unsubscribed(at);
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
