/** What the WebSocket feed did, for tests and the benchmark (`sim.streamStats()`). */
export interface StreamStats {
  /** Connections open now. */
  connections: number;
  /** Subscriptions held now, across connections. */
  subscriptions: number;
  /** Connections accepted since the start (or the last resetStats). */
  accepted: number;
  /** Messages received from clients, pings and refused ones included. */
  received: number;
  /** Live `trades` messages sent, one per subscriber; the snapshots after a subscribe are not counted. */
  messagesPushed: number;
  /** Trades in those messages, once per subscriber they reached. */
  tradesPushed: number;
  /** Snapshot messages sent after a subscribe's ack. */
  snapshots: number;
  /** Answers on the `error` channel: bad JSON, an unknown coin or type, a duplicate, a limit. */
  errors: number;
  /** Connections cut by `dropStreamConnections()`. */
  drops: number;
  /** Connections closed after sending nothing for `streamIdleTimeoutMs`. */
  idleCloses: number;
  /** Upgrades refused during `pauseStream(ms)`. */
  refusedWhilePaused: number;
  /** Refusals under the exchange's per-IP rules. */
  limitRefusals: {
    /** Upgrades answered 429: the IP already held the most connections. */
    connections: number;
    /** Upgrades answered 429: too many new connections in the last minute. */
    newConnections: number;
    /** Subscribes answered on `error`: the IP already held the most subscriptions. */
    subscriptions: number;
    /** Messages answered on `error` and otherwise ignored: too many in the last minute. */
    messages: number;
  };
}

export const emptyStreamStats = (): StreamStats => ({
  connections: 0,
  subscriptions: 0,
  accepted: 0,
  received: 0,
  messagesPushed: 0,
  tradesPushed: 0,
  snapshots: 0,
  errors: 0,
  drops: 0,
  idleCloses: 0,
  refusedWhilePaused: 0,
  limitRefusals: { connections: 0, newConnections: 0, subscriptions: 0, messages: 0 },
});
