/**
 * The one place that knows every table's keys and indexes. The CDK stack (`lib/`) and the local
 * runtime (`local/`) both build their tables from these definitions, so local and cloud cannot drift.
 */

export type AttrType = "S" | "N";

export interface KeyDef {
  name: string;
  type: AttrType;
}

export interface IndexDef {
  indexName: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /**
   * KEYS_ONLY keeps sparse indexes cheap; ALL when the reader needs the whole item; INCLUDE the
   * keys and `nonKeyAttributes` (an update of any other attribute leaves the index alone).
   */
  projection: "KEYS_ONLY" | "ALL" | "INCLUDE";
  nonKeyAttributes?: readonly string[];
}

export interface TableDef {
  /** Logical id, also the default physical name suffix. */
  id: "traders" | "events" | "fills" | "state" | "connections" | "pages" | "followers";
  /** Environment variable that carries the physical table name to the functions. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  globalIndexes: IndexDef[];
  ttlAttribute?: string;
  stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
}

/**
 * traders: one item per trader. Holds discovery facts and the last stored positions
 * (the state the tracker diffs against). Active traders carry `active_shard` so the sparse
 * `active-index` lists exactly them, in address order, for the dispatcher to page through.
 * The sparse `hinted-index` lists exactly the traders whose trades a failed poll left behind no
 * stored state (`traded_at`, TrackingState.tradedAt): few, so the dispatcher scans it each tick.
 */
export const TRADERS_TABLE: TableDef = {
  id: "traders",
  envVar: "TRADERS_TABLE",
  partitionKey: { name: "address", type: "S" },
  globalIndexes: [
    {
      indexName: "active-index",
      partitionKey: { name: "active_shard", type: "S" },
      sortKey: { name: "address", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "hinted-index",
      partitionKey: { name: "traded_at", type: "N" },
      // What the dispatcher decides on: is he still tracked, and when did his polls last fail.
      projection: "INCLUDE",
      nonKeyAttributes: ["active_shard", "last_failed_at"],
    },
  ],
};

/**
 * events: position events, per trader in the order they happened (`sk` = zero-padded state
 * version + coin, so a deterministic id per transition). The stream feeds the live WebSocket.
 * `recent-index` lists all events of a UTC day newest first.
 */
export const EVENTS_TABLE: TableDef = {
  id: "events",
  envVar: "EVENTS_TABLE",
  partitionKey: { name: "trader_address", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [
    {
      indexName: "recent-index",
      partitionKey: { name: "day", type: "S" },
      sortKey: { name: "ts_id", type: "S" },
      projection: "ALL",
    },
  ],
  stream: "NEW_IMAGE",
};

/** fills: every perpetual fill we have seen, per trader, `sk` = zero-padded time + tid (dedup by tid). */
export const FILLS_TABLE: TableDef = {
  id: "fills",
  envVar: "FILLS_TABLE",
  partitionKey: { name: "trader_address", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [],
};

/**
 * state: small operational items keyed `pk`/`sk`: the shared weight-budget windows, tracking
 * cycle heartbeats, the discovery rotation cursor. Items that only matter for a while expire by TTL.
 */
export const STATE_TABLE: TableDef = {
  id: "state",
  envVar: "STATE_TABLE",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [],
  ttlAttribute: "expires_at",
};

/**
 * connections: open WebSocket connections and their feed filters. API Gateway closes a connection
 * after 2 h, so items expire by TTL even when no $disconnect arrives. The stream's INSERTs are how
 * a new client gets its welcome message once API Gateway has really opened the connection (unless
 * a command or an event came first: #app/feed/welcome-first.js). The item keeps who sends it.
 * `shard-index` lists one fan-out shard's connections (#app/feed/fan-out-worker.js).
 */
export const CONNECTIONS_TABLE: TableDef = {
  id: "connections",
  envVar: "CONNECTIONS_TABLE",
  partitionKey: { name: "connection_id", type: "S" },
  globalIndexes: [
    {
      // One fan-out shard's connections (`feed_shard`, set at $connect: #domain/feed/shards.js),
      // with what the fan-out reads of each; the welcome's claim stays out, so claiming it does
      // not write the index.
      indexName: "shard-index",
      partitionKey: { name: "feed_shard", type: "N" },
      sortKey: { name: "connection_id", type: "S" },
      projection: "INCLUDE",
      nonKeyAttributes: ["connected_at", "expires_at", "filters", "welcomed_at"],
    },
  ],
  ttlAttribute: "expires_at",
  stream: "NEW_IMAGE",
};

/**
 * pages: the dashboard's trader page, precomputed by the leaderboard job so the HTTP API reads it
 * by key (round trips under `trip#` keys, equity series under `equity#<window>`, a `meta` marker;
 * layouts in ./dynamo/keys.ts). Rebuilt from the fills whenever needed, so it never expires.
 */
export const PAGES_TABLE: TableDef = {
  id: "pages",
  envVar: "PAGES_TABLE",
  partitionKey: { name: "trader_address", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [],
};

/**
 * followers: copy trading (#domain/copy/ports.js), keyed by follower id. Per follower: `config`
 * (the API's config and state), `account` (the engine's state: paper ledger, copy memory, equity
 * marks), `leader#<address>` links, `order#<signal ms>#<cloid>` orders and `equity#<ms>` points.
 * Only link items carry `leader_address`, so the sparse `leader-index` lists exactly the followers
 * of one leader for the copy dispatcher; besides them, every `config` item carries the non-address
 * `#followers`, so listing the followers is a Query of that one partition, not a Scan of the table.
 * A pending order has a `pending#<cloid>` copy too, so the engine reads only those on every run.
 */
export const FOLLOWERS_TABLE: TableDef = {
  id: "followers",
  envVar: "FOLLOWERS_TABLE",
  partitionKey: { name: "follower_id", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [
    {
      indexName: "leader-index",
      partitionKey: { name: "leader_address", type: "S" },
      sortKey: { name: "follower_id", type: "S" },
      projection: "KEYS_ONLY",
    },
  ],
};

export const ALL_TABLES: readonly TableDef[] = [
  TRADERS_TABLE,
  EVENTS_TABLE,
  FILLS_TABLE,
  STATE_TABLE,
  CONNECTIONS_TABLE,
  PAGES_TABLE,
  FOLLOWERS_TABLE,
];

/** Physical names used when nothing else is configured (locally); CDK passes its own names. */
export const defaultTableName = (def: TableDef, prefix = "hl"): string => `${prefix}-${def.id}`;
