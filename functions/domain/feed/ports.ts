import type { FeedFilters } from "./filters.js";
import type { EncodedServerMessage, ServerMessage } from "./messages.js";

/** An open live-feed connection as stored: its id (API Gateway's), when it opened, what it wants. */
export interface FeedConnection {
  connectionId: string;
  connectedAt: number;
  filters?: FeedFilters;
}

/** Where connections live (DynamoDB in both places). Every method is idempotent. */
export interface ConnectionStore {
  add(connection: FeedConnection): Promise<void>;
  /** Returns false when the connection is no longer stored (it closed meanwhile). */
  setFilters(connectionId: string, filters: FeedFilters | undefined): Promise<boolean>;
  remove(connectionId: string): Promise<void>;
  /** Every stored connection; with thousands this is still one paginated scan per batch of events. */
  list(): Promise<FeedConnection[]>;
}

/** The connection is gone (API Gateway's 410): the caller should forget it. */
export class ConnectionGoneError extends Error {
  constructor(readonly connectionId: string) {
    super(`Connection ${connectionId} is gone`);
    this.name = "ConnectionGoneError";
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
