import type { QueueDef } from "#commons/queues.js";
import { COPY_QUEUE, FANOUT_QUEUE, TRACKING_QUEUE } from "#commons/queues.js";
import type { TableDef } from "#store/tables.js";
import { CONNECTIONS_TABLE, EVENTS_TABLE, FILLS_TABLE, FOLLOWERS_TABLE, PAGES_TABLE, STATE_TABLE, TRADERS_TABLE } from "#store/tables.js";

/**
 * Every Lambda function, its trigger and what it may touch: read by the CDK stack to build the
 * functions and by the local runtime to run the very same handler modules on the same triggers.
 */
export type Trigger =
  | {
      kind: "schedule";
      /** Config key holding the interval in seconds (see #commons/config.js). */
      intervalSetting:
        | "DISCOVERY_INTERVAL_SECONDS"
        | "TRACKING_INTERVAL_SECONDS"
        | "LEADERBOARD_INTERVAL_SECONDS"
        | "COPY_RECONCILE_INTERVAL_SECONDS";
      /**
       * Local runtime only (it runs every schedule once at start): hold this first run until that
       * schedule's first run has finished, so it has something to work on.
       */
      firstRunAfter?: string;
    }
  | { kind: "sqs"; queue: QueueDef }
  | {
      /**
       * A function that lives as long as its invocation (the trades-stream listener): started
       * every `checkEverySeconds`; a run that finds a live holder of the work returns at once,
       * and a successor starts while its predecessor's time runs out, so the runs overlap.
       */
      kind: "long-lived";
      checkEverySeconds: number;
    }
  | {
      /** A DynamoDB stream event source mapping (ReportBatchItemFailures, bounded retries, then skip). */
      kind: "dynamodb-stream";
      table: TableDef;
      /** Filter criteria: the function only ever sees these records. */
      filter: "INSERT";
      batchSize: number;
      maxRetryAttempts: number;
    }
  | { kind: "websocket"; route: WebSocketRoute }
  /** Every route of the HTTP API (API Gateway HTTP API, proxy integration). Locally the same Hono app is served directly. */
  | { kind: "http" };

export type WebSocketRoute = "$connect" | "$disconnect" | "$default";

/** A DynamoDB data-plane action, as IAM names it (one SDK command each; DescribeTable for counts and health). */
export type DynamoAction =
  | "GetItem"
  | "BatchGetItem"
  | "Query"
  | "Scan"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "BatchWriteItem"
  | "DescribeTable";

/** What a function does with one table, exactly. */
export interface TableAccess {
  /** Granted on the table itself (its items, and DescribeTable). */
  actions: readonly DynamoAction[];
  /** The table's own indexes it queries, by name: Query on exactly those index ARNs. */
  queriesIndexes?: readonly string[];
}

export interface FunctionDef {
  /** Logical name, also used in log lines and CDK ids. */
  name: string;
  /** Path of the handler module from the repository root. */
  entry: string;
  /** Name of the exported handler in that module. */
  handler: "handler";
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  /** Tables the function reads and writes (grants + env vars). */
  tables: readonly TableDef[];
  /** Tables the function only reads (read grants + env vars); not also in `tables`. */
  readsOnly?: readonly TableDef[];
  /** Queues the function sends to (grants + env vars). */
  sendsTo: readonly QueueDef[];
  /**
   * Calls the Hyperliquid API. With a fixed egress IP (FIXED_EGRESS_IP) these functions run in
   * the VPC behind its NAT gateway, so the exchange sees one address for the one weight budget.
   */
  callsExchange?: true;
  /**
   * A table the function only reads but leases exchange weight in: it may update the shared
   * budget's items there (pk "budget") and nothing else. For the functions in `tables` the
   * read/write grant already covers it.
   */
  leasesBudgetIn?: TableDef;
  /**
   * The exact actions per table, for a function that lists them: granted instead of the broad
   * read/write (`tables`) and read (`readsOnly`) grants, which still say which tables it writes
   * and get env vars. Names exactly those tables; a read-only one gets no write action.
   */
  access?: Readonly<Partial<Record<TableDef["id"], TableAccess>>>;
  /**
   * Reads live followers' agent (API wallet) keys from Secrets Manager: granted GetSecretValue on
   * the secrets under the configured prefix (COPY_AGENT_SECRET_PREFIX) and nothing else. Only the
   * copy engine has it.
   */
  readsAgentSecrets?: true;
}

export const DISCOVERY_FUNCTION: FunctionDef = {
  name: "discovery",
  entry: "functions/handlers/discovery.ts",
  handler: "handler",
  trigger: { kind: "schedule", intervalSetting: "DISCOVERY_INTERVAL_SECONDS" },
  timeoutSeconds: 300,
  memoryMb: 512,
  tables: [TRADERS_TABLE, STATE_TABLE],
  sendsTo: [],
  callsExchange: true,
};

export const TRACK_DISPATCH_FUNCTION: FunctionDef = {
  name: "track-dispatch",
  entry: "functions/handlers/track-dispatch.ts",
  handler: "handler",
  trigger: { kind: "schedule", intervalSetting: "TRACKING_INTERVAL_SECONDS" },
  timeoutSeconds: 50,
  memoryMb: 512,
  tables: [TRADERS_TABLE, STATE_TABLE],
  sendsTo: [TRACKING_QUEUE],
};

export const TRACK_WORKER_FUNCTION: FunctionDef = {
  name: "track-worker",
  entry: "functions/handlers/track-worker.ts",
  handler: "handler",
  trigger: { kind: "sqs", queue: TRACKING_QUEUE },
  timeoutSeconds: TRACKING_QUEUE.workerTimeoutSeconds,
  memoryMb: 1024,
  tables: [TRADERS_TABLE, EVENTS_TABLE, FILLS_TABLE, STATE_TABLE],
  // Traders a message could not finish (no weight in time, transient failures) go back on the queue.
  sendsTo: [TRACKING_QUEUE],
  callsExchange: true,
};

/**
 * The trades-stream listener (#app/stream-listener.js): holds the exchange's WebSocket for up to
 * 15 minutes, polls traders the moment they trade, hands over to a successor started by the
 * minute schedule. Only deployed and run with TRADES_STREAM=on.
 */
export const STREAM_LISTENER_FUNCTION: FunctionDef = {
  name: "stream-listener",
  entry: "functions/handlers/stream-listener.ts",
  handler: "handler",
  trigger: { kind: "long-lived", checkEverySeconds: 60 },
  // Lambda's maximum: the longer a listener lives, the fewer hand-overs.
  timeoutSeconds: 900,
  memoryMb: 512,
  // Traders (tracked set, discovery, live commits), events, the state table (lease, status, budget).
  tables: [TRADERS_TABLE, EVENTS_TABLE, FILLS_TABLE, STATE_TABLE],
  // Traders it could not finish go to the tracking worker.
  sendsTo: [TRACKING_QUEUE],
  callsExchange: true,
};

export const LEADERBOARD_FUNCTION: FunctionDef = {
  name: "leaderboard",
  entry: "functions/handlers/leaderboard.ts",
  handler: "handler",
  // A leaderboard run at start, before discovery found anyone, would leave it empty for an hour.
  trigger: { kind: "schedule", intervalSetting: "LEADERBOARD_INTERVAL_SECONDS", firstRunAfter: "discovery" },
  // Lambda's maximum: exchange calls stop at LEADERBOARD_SYNC_SECONDS, leaving the rest for the
  // metrics of every trader and the snapshots (npm run bench:leaderboard measures that part).
  timeoutSeconds: 900,
  // One full vCPU: the metrics are CPU-bound.
  memoryMb: 1769,
  // Events: the history sync marks stream-told events its fills show were liquidations.
  // Pages: the trader page's round trips and series, precomputed from the history it loads.
  tables: [TRADERS_TABLE, EVENTS_TABLE, FILLS_TABLE, STATE_TABLE, PAGES_TABLE],
  sendsTo: [],
  callsExchange: true,
};

/** Discovery, tracking and the leaderboard: the scheduled and queue-driven functions. */
export const INGESTION_FUNCTIONS: readonly FunctionDef[] = [
  DISCOVERY_FUNCTION,
  TRACK_DISPATCH_FUNCTION,
  TRACK_WORKER_FUNCTION,
  STREAM_LISTENER_FUNCTION,
  LEADERBOARD_FUNCTION,
];

/** The live WebSocket feed: the API Gateway WebSocket API's routes and the stream consumers. */
const wsRoute = (
  name: string,
  route: WebSocketRoute,
  tables: readonly TableDef[],
  access?: FunctionDef["access"],
): FunctionDef => ({
  name,
  entry: `functions/handlers/${name}.ts`,
  handler: "handler",
  trigger: { kind: "websocket", route },
  timeoutSeconds: 10,
  memoryMb: 256,
  tables,
  sendsTo: [],
  ...(access !== undefined && { access }),
});

// The connection caps are slot items in the state table (#store/dynamo/connection-slots.js): taken
// and cleared with UpdateItem; a full cap looks its connections up (BatchGetItem) for dead ones.
export const WS_CONNECT_FUNCTION = wsRoute("ws-connect", "$connect", [CONNECTIONS_TABLE, STATE_TABLE], {
  connections: { actions: ["PutItem", "BatchGetItem"] },
  state: { actions: ["UpdateItem"] },
});
export const WS_DISCONNECT_FUNCTION = wsRoute("ws-disconnect", "$disconnect", [CONNECTIONS_TABLE, STATE_TABLE], {
  connections: { actions: ["DeleteItem"] },
  state: { actions: ["UpdateItem"] },
});
// The message rate and filters are one UpdateItem; the welcome is read (GetItem) and claimed.
export const WS_DEFAULT_FUNCTION = wsRoute("ws-default", "$default", [CONNECTIONS_TABLE], {
  connections: { actions: ["GetItem", "UpdateItem"] },
});

export const WS_WELCOME_FUNCTION: FunctionDef = {
  name: "ws-welcome",
  entry: "functions/handlers/ws-welcome.ts",
  handler: "handler",
  trigger: { kind: "dynamodb-stream", table: CONNECTIONS_TABLE, filter: "INSERT", batchSize: 100, maxRetryAttempts: 2 },
  timeoutSeconds: 30,
  memoryMb: 256,
  // Claims the welcome on the connection item and marks it sent (#app/feed/welcome-first.js).
  tables: [CONNECTIONS_TABLE],
  sendsTo: [],
};

/**
 * The events table's stream → one message per event and connection shard on the fan-out queue
 * (#app/feed/broadcaster.js). It posts nothing: its work grows with shards, not with clients.
 */
export const BROADCASTER_FUNCTION: FunctionDef = {
  name: "broadcaster",
  entry: "functions/handlers/broadcaster.ts",
  handler: "handler",
  trigger: { kind: "dynamodb-stream", table: EVENTS_TABLE, filter: "INSERT", batchSize: 100, maxRetryAttempts: 3 },
  timeoutSeconds: 60,
  memoryMb: 512,
  tables: [],
  readsOnly: [CONNECTIONS_TABLE],
  sendsTo: [FANOUT_QUEUE],
  // Which shards hold a connection: one key-only Query of shard-index per shard and stream batch.
  access: { connections: { actions: [], queriesIndexes: ["shard-index"] } },
};

/**
 * The fan-out queue → each message's event to the matching clients of its shard, a few hundred
 * at most (#app/feed/fan-out-worker.js); a failing client goes back on the queue alone.
 */
export const FAN_OUT_WORKER_FUNCTION: FunctionDef = {
  name: "fan-out-worker",
  entry: "functions/handlers/fan-out-worker.ts",
  handler: "handler",
  trigger: { kind: "sqs", queue: FANOUT_QUEUE },
  timeoutSeconds: FANOUT_QUEUE.workerTimeoutSeconds,
  // Lambda's CPU grows with memory; 1,769 MB is one full vCPU. A post costs about half a
  // millisecond of CPU in the SDK (npm run bench:api): a batch of 10 messages of a few hundred
  // clients each is a second or two of it.
  memoryMb: 1769,
  // Lists its shard, removes gone clients, claims and marks welcomes.
  tables: [CONNECTIONS_TABLE],
  // Retries of single clients go back on its own queue.
  sendsTo: [FANOUT_QUEUE],
};

export const FEED_FUNCTIONS: readonly FunctionDef[] = [
  WS_CONNECT_FUNCTION,
  WS_DISCONNECT_FUNCTION,
  WS_DEFAULT_FUNCTION,
  WS_WELCOME_FUNCTION,
  BROADCASTER_FUNCTION,
  FAN_OUT_WORKER_FUNCTION,
];

/** The HTTP API: one Hono app behind an API Gateway HTTP API (and CloudFront in front of it). */
export const HTTP_API_FUNCTION: FunctionDef = {
  name: "http-api",
  entry: "functions/handlers/http-api.ts",
  handler: "handler",
  trigger: { kind: "http" },
  // API Gateway HTTP APIs give up after 30 s; a leaderboard cache miss reads one snapshot.
  timeoutSeconds: 29,
  // CPU grows with memory: JSON and gzip of a cached page stay in single milliseconds from 512 MB.
  memoryMb: 512,
  // Writes traders (track / untrack) and followers (/followers); cache clear is in-process; counts
  // use DescribeTable. Reads the state table (snapshots, sync state) and the precomputed trader
  // pages, never the fills.
  tables: [TRADERS_TABLE, FOLLOWERS_TABLE],
  readsOnly: [EVENTS_TABLE, STATE_TABLE, CONNECTIONS_TABLE, PAGES_TABLE],
  // A new follower, a resume or a close is sent to the copy engine at once.
  sendsTo: [COPY_QUEUE],
  // allMids, to value open positions (GET /traders/{address}); its weight is leased from the
  // shared budget on the state table, the only items there this function may write.
  callsExchange: true,
  leasesBudgetIn: STATE_TABLE,
  // Every call the API makes (functions/api/dynamo.ts's stores, the health check, the ledger);
  // test/integration/api-access.test.ts records them on every route and holds them to this list.
  access: {
    traders: {
      // GET /traders pages by Scan (every trader, stopped ones too); GET /traders/{a} by GetItem;
      // track is a conditional PutItem, then UpdateItem to reactivate; untrack an UpdateItem;
      // /health and /stats DescribeTable; the active count queries active-index.
      actions: ["GetItem", "Scan", "PutItem", "UpdateItem", "DescribeTable"],
      queriesIndexes: ["active-index"],
    },
    // A trader's events (GET /traders/{a}/events); the /stats count.
    events: { actions: ["Query", "DescribeTable"] },
    // The trader page: a page of round trips is one Query, a window's equity series one GetItem.
    pages: { actions: ["Query", "GetItem"] },
    // Snapshot headers, tracking cycle, history sync state, stream status, the
    // ledger's previous window (GetItem); a snapshot's row pages (BatchGetItem).
    state: { actions: ["GetItem", "BatchGetItem"] },
    // The /stats count of open WebSocket connections.
    connections: { actions: ["DescribeTable"] },
    // A follower, its account (GetItem); a page of followers is a Query of leader-index's list
    // partition, then BatchGetItem; orders and equity points one Query each. Create and every
    // change are a transaction of the config (PutItem) with its leader links (PutItem, DeleteItem):
    // IAM authorizes a TransactWriteItems by the actions of its items.
    followers: { actions: ["GetItem", "BatchGetItem", "Query", "PutItem", "DeleteItem"], queriesIndexes: ["leader-index"] },
  },
};

/**
 * Copy trading (#app/copy): the events table's stream → one message per follower of the event's
 * trader on the copy queue (the stream's second reader, beside the broadcaster).
 */
export const COPY_DISPATCH_FUNCTION: FunctionDef = {
  name: "copy-dispatch",
  entry: "functions/handlers/copy-dispatch.ts",
  handler: "handler",
  trigger: { kind: "dynamodb-stream", table: EVENTS_TABLE, filter: "INSERT", batchSize: 100, maxRetryAttempts: 3 },
  timeoutSeconds: 60,
  memoryMb: 512,
  tables: [],
  readsOnly: [FOLLOWERS_TABLE],
  sendsTo: [COPY_QUEUE],
  // The followers of each event's trader: one key-only Query of leader-index.
  access: { followers: { actions: [], queriesIndexes: ["leader-index"] } },
};

/**
 * The copy engine: each message reconciles one follower (targets from the leaders' positions,
 * orders for the difference, paper ledger or the exchange), in order per follower.
 */
export const COPY_WORKER_FUNCTION: FunctionDef = {
  name: "copy-worker",
  entry: "functions/handlers/copy-worker.ts",
  handler: "handler",
  trigger: { kind: "sqs", queue: COPY_QUEUE },
  timeoutSeconds: COPY_QUEUE.workerTimeoutSeconds,
  memoryMb: 1024,
  tables: [FOLLOWERS_TABLE],
  // The leaders' stored positions (traders), a leader's opening event of a position a run finds
  // without its message (events); the shared weight budget (state).
  readsOnly: [TRADERS_TABLE, EVENTS_TABLE],
  leasesBudgetIn: STATE_TABLE,
  sendsTo: [],
  callsExchange: true,
  readsAgentSecrets: true,
};

/** Every COPY_RECONCILE_INTERVAL_SECONDS: one reconciliation message per active follower, events or not. */
export const COPY_RECONCILE_FUNCTION: FunctionDef = {
  name: "copy-reconcile",
  entry: "functions/handlers/copy-reconcile.ts",
  handler: "handler",
  trigger: { kind: "schedule", intervalSetting: "COPY_RECONCILE_INTERVAL_SECONDS" },
  timeoutSeconds: 60,
  memoryMb: 256,
  tables: [],
  readsOnly: [FOLLOWERS_TABLE],
  sendsTo: [COPY_QUEUE],
};

export const COPY_FUNCTIONS: readonly FunctionDef[] = [COPY_DISPATCH_FUNCTION, COPY_WORKER_FUNCTION, COPY_RECONCILE_FUNCTION];

/** Every deployed function; the CDK stack builds each with the construct its trigger calls for. */
export const ALL_FUNCTIONS: readonly FunctionDef[] = [...INGESTION_FUNCTIONS, ...FEED_FUNCTIONS, ...COPY_FUNCTIONS, HTTP_API_FUNCTION];

/** Everything `npm start` runs: locally the HTTP API's Hono app is served directly, not as a function. */
export const LOCAL_FUNCTIONS: readonly FunctionDef[] = ALL_FUNCTIONS.filter((def) => def.trigger.kind !== "http");
