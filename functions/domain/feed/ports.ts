import type { FeedFilters } from "./filters.js";
import type { EncodedServerMessage, ServerMessage } from "./messages.js";

/** An open live-feed connection as stored: its id (API Gateway's), when it opened, what it wants. */
export interface FeedConnection {
  connectionId: string;
  connectedAt: number;
  filters?: FeedFilters;
  /** Whether its `connection` welcome has gone out (as listed; a new connection has not). */
  welcomed?: boolean;
  /** Its fan-out shard (./shards.js), stored at $connect. */
  shard?: number;
}

/**
 * Where a connection's welcome stands. Whoever claims it sends it, and marks it sent afterwards;
 * nothing else is sent to the client before that (see #app/feed/welcome-first.js).
 */
export type WelcomeState =
  | { status: "unclaimed" }
  /** `by` is sending it, and cannot be after `until` (epoch ms: when its invocation is stopped). */
  | { status: "claimed"; by: string; until: number }
  | { status: "sent" };

/** Who claims a welcome: an invocation's id, and the moment it is stopped (its timeout). */
export interface WelcomeClaim {
  by: string;
  until: number;
}

/** Where connections live (DynamoDB in both places). Every method is idempotent. */
export interface ConnectionStore {
  add(connection: FeedConnection): Promise<void>;
  /** Returns where the welcome stands, or undefined when the connection is no longer stored (it closed meanwhile). */
  setFilters(connectionId: string, filters: FeedFilters | undefined): Promise<WelcomeState | undefined>;
  remove(connectionId: string): Promise<void>;
  /** The connections of one fan-out shard (./shards.js), by key: what one fan-out message reaches. */
  listShard(shard: number): Promise<FeedConnection[]>;
  /**
   * Which of shards 0..shards−1 hold at least one stored connection (one key-only read each):
   * the broadcaster queues an event only for those. Eventually consistent, as listShard is.
   */
  occupiedShards(shards: number): Promise<Set<number>>;
  /** Where the welcome stands now (a strongly consistent read), or undefined when the connection is not stored. */
  welcomeState(connectionId: string): Promise<WelcomeState | undefined>;
  /**
   * Claims the sending of the welcome at `at`, unless it was sent or another claim still holds
   * then. Returns "won", or what kept it from us (undefined: not stored). The same claimant wins
   * again (a retried stream record).
   */
  claimWelcome(connectionId: string, claim: WelcomeClaim, at: number): Promise<"won" | WelcomeState | undefined>;
  /** Records that the welcome went out; never stores a connection that was removed meanwhile. */
  markWelcomed(connectionId: string, at: number): Promise<void>;
  /** Gives up `claimant`'s claim (its send failed), so that nobody waits for it. */
  releaseWelcome(connectionId: string, claimant: string): Promise<void>;
}

/** The connection is gone (API Gateway's 410): the caller should forget it. */
export class ConnectionGoneError extends Error {
  constructor(readonly connectionId: string) {
    super(`Connection ${connectionId} is gone`);
    this.name = "ConnectionGoneError";
  }
}

/**
 * The message is over API Gateway's limit (413 PayloadTooLargeException, MAX_FEED_MESSAGE_BYTES):
 * no client can get it, and a retry cannot help. The fan-out worker counts it (FeedMessagesTooLarge).
 */
export class MessageTooLargeError extends Error {
  constructor(
    readonly connectionId: string,
    readonly bytes: number,
  ) {
    super(`A ${bytes}-byte message to ${connectionId} is over the feed's message limit`);
    this.name = "MessageTooLargeError";
  }
}

/** Pushes a message to one client (API Gateway's management API in both places). */
export interface FeedSender {
  /**
   * Throws ConnectionGoneError when the client is no longer connected. A fan-out passes the
   * message encoded once (encodeServerMessage) rather than serializing it again for each client.
   */
  send(connectionId: string, message: ServerMessage | EncodedServerMessage): Promise<void>;
}

/** A connection asking for a slot under the feed's connection caps (#domain/feed/limits.js). */
export interface SlotHolder {
  connectionId: string;
  /** Its source address (API Gateway's `identity.sourceIp`). */
  ip: string;
  /** When it connected (epoch ms): its slot expires with it, 2 h later, should no $disconnect come. */
  connectedAt: number;
}

/**
 * The connection caps, held where every `$connect` sees them (the state table in both places).
 * `take` is atomic: of K parallel takes under a cap N < K, exactly N succeed.
 */
export interface ConnectionSlots {
  /** Takes a slot under both caps, or says which one is full (and takes none). */
  take(holder: SlotHolder): Promise<{ taken: true } | { taken: false; cap: "ip" | "total" }>;
  /** Gives the slot back (a $disconnect); taking none back is fine. */
  release(holder: SlotHolder): Promise<void>;
}

/** What became of one client message under its connection's rate. */
export type MessageAdmission =
  /** Within the rate: any filter change was written with it; `welcome` is where its welcome stands. */
  | { status: "accepted"; welcome: WelcomeState }
  /** Over the rate: nothing was changed; `refused` messages have now been refused since its bucket was last full. */
  | { status: "refused"; refused: number };

/** Holds each connection's message rate (on its connection item, so it holds across Lambda instances). */
export interface MessageGate {
  /**
   * Counts one message at `at`. When it is within the rate, `change` (a subscribe's filters, or
   * none for unsubscribe) is applied in the same write. Undefined when the connection is not stored.
   */
  admit(connectionId: string, at: number, change?: { filters: FeedFilters | undefined }): Promise<MessageAdmission | undefined>;
}

/** Closes a client's connection (the management API's DeleteConnection in both places). */
export interface ConnectionCloser {
  close(connectionId: string): Promise<void>;
}

/** One message for an ordered queue (SQS FIFO): its group is delivered in order, one batch at a time. */
export interface OrderedMessage {
  groupId: string;
  /** The same id sent again within 5 minutes is accepted and dropped: a retried sender sends nothing twice. */
  deduplicationId: string;
  body: string;
}

/** Where the broadcaster hands each shard's events to the fan-out workers. */
export interface OrderedQueue {
  /**
   * Sends one group's messages in this order. Returns how many were sent, from the first on: at
   * the first one refused it stops, so that none of the group goes ahead of one before it.
   */
  sendInOrder(messages: readonly OrderedMessage[]): Promise<{ sent: number; error?: unknown }>;
}
