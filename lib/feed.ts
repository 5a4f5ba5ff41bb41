import { CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { WebSocketApi, WebSocketStage, type ThrottleSettings } from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { FANOUT_QUEUE } from "#commons/queues.js";
import { DEFAULT_FEED_SHARDS } from "#domain/feed/shards.js";
import {
  ALL_FUNCTIONS,
  FAN_OUT_WORKER_FUNCTION,
  FEED_FUNCTIONS,
  WS_DEFAULT_FUNCTION,
  WS_WELCOME_FUNCTION,
  type FunctionDef,
} from "../functions/catalog.js";
import type { Data } from "./data.js";
import { fifoQueueWithDeadLetters } from "./fifo-queue.js";
import { HouseFunction, type ResourceLookup } from "./house-function.js";
import { pascal, type FunctionDefaults } from "./ingestion.js";
import { attachStreamMapping } from "./streams.js";

/**
 * The stage clients connect to: `wss://{api}.execute-api.{region}.amazonaws.com/v1`. Named after
 * the version of the feed's message protocol, as the local gateway's `/ws/v1/...` paths are.
 */
export const FEED_STAGE_NAME = "v1";

/**
 * Client messages (and connection attempts) per second across the stage. Every message invokes
 * ws-default and every connection ws-connect, so this caps what all clients together can cost; what
 * one client may take of it (connections per address and in all, messages per connection) is
 * capped by ws-connect and ws-default themselves (#domain/feed/limits.js).
 * Clients only subscribe, unsubscribe and ping, so normal traffic stays far below; the burst lets
 * a thousand clients reconnect after a deploy within a few seconds (a throttled one gets a 429 and
 * retries). Well under the account's WebSocket limits, so one stack cannot starve another.
 */
export const FEED_THROTTLE: Required<ThrottleSettings> = { rateLimit: 100, burstLimit: 500 };

/**
 * The functions that post to clients through the management API (they import
 * #commons/clients/apigateway.js, which needs WS_CALLBACK_URL at cold start). Only they may manage
 * connections; test/cdk/feed.test.ts checks this list against the bundles' imports.
 */
export const POSTS_TO_CLIENTS: ReadonlySet<FunctionDef> = new Set([
  WS_DEFAULT_FUNCTION,
  WS_WELCOME_FUNCTION,
  FAN_OUT_WORKER_FUNCTION,
]);

/**
 * Fan-out workers that may run at once. A FIFO queue hands out one batch per message group at a
 * time, and each connection shard is one group: more workers than shards would only wait. So one
 * per shard, within what Lambda's SQS mapping accepts (2 to 1,000); with the default 32 shards,
 * 32 workers post to all 10,000 clients at once, each to ~300.
 */
export const fanOutMaxConcurrency = (shards: number): number => Math.min(1000, Math.max(2, shards));

/** Moved to ./streams.ts, which the copy dispatcher's mapping shares; re-exported for the feed's readers. */
export { STREAM_MAX_RECORD_AGE } from "./streams.js";

/** The live feed's functions: WebSocket routes, stream consumers and the fan-out worker (everything else is not ours). */
const isFeed = (def: FunctionDef): boolean => FEED_FUNCTIONS.includes(def);

export interface FeedProps {
  data: Data;
  functionDefaults: FunctionDefaults;
  /** Defaults to FEED_THROTTLE. */
  throttle?: ThrottleSettings;
  /** FEED_SHARDS (the functions read it from their environment); sizes the fan-out's concurrency. */
  shards?: number;
}

/**
 * The live WebSocket feed: the API Gateway WebSocket API with a route per catalog `websocket`
 * trigger, and a stream mapping (INSERT only, partial batch failures, bisecting, bounded retries
 * and record age, then an SQS DLQ) per catalog `dynamodb-stream` trigger.
 *
 * No authorizer on `$connect`: the optional WS_TOKEN check is in ws-connect itself (a Lambda
 * authorizer would be a second function for the same comparison). No access logs on the stage:
 * WebSocket stages can only log once the account-wide API Gateway CloudWatch role is set, which is
 * shared by every API of the account and region and so is not this stack's to change; every route
 * function logs its connection id instead.
 */
export class Feed extends Construct {
  readonly functions = new Map<string, HouseFunction>();
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** What clients connect to: `wss://.../v1`. */
  readonly url: string;
  /** The management API endpoint the posting functions get as WS_CALLBACK_URL: `https://.../v1`. */
  readonly callbackUrl: string;
  /** Each stream consumer's on-failure destination, by function name. */
  readonly deadLetterQueues = new Map<string, Queue>();
  /** The broadcaster's events per connection shard, for the fan-out workers (FIFO). */
  readonly fanOutQueue: Queue;
  /** Fan-out messages that failed FANOUT_QUEUE.maxReceiveCount times (their shard could not be listed). */
  readonly fanOutDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: FeedProps) {
    super(scope, id);
    // Groups are connection shards; ids name shard and event. A live event is news for minutes, not days.
    const fanOut = fifoQueueWithDeadLetters(this, "FanOut", FANOUT_QUEUE, {
      retention: Duration.hours(1),
      deadLettersAre: "the fan-out messages whose shard could not be listed",
    });
    this.fanOutQueue = fanOut.queue;
    this.fanOutDeadLetterQueue = fanOut.deadLetterQueue;
    const resources: ResourceLookup = {
      table: (def) => props.data.table(def),
      queue: (def) => {
        if (def.id !== FANOUT_QUEUE.id) throw new Error(`Feed functions send only to the fan-out queue, yet one asks for "${def.id}".`);
        return this.fanOutQueue;
      },
    };
    for (const def of ALL_FUNCTIONS.filter(isFeed)) {
      const fn = new HouseFunction(this, `${pascal(def.name)}Function`, { ...props.functionDefaults, def, resources });
      this.functions.set(def.name, fn);
    }

    this.api = new WebSocketApi(this, "Api", {
      apiName: `${Stack.of(this).stackName}-feed`, // the console lists APIs by name only
      description: "Live feed: position events pushed to subscribed clients",
    });
    this.stage = new WebSocketStage(this, "Stage", {
      webSocketApi: this.api,
      stageName: FEED_STAGE_NAME,
      autoDeploy: true,
      throttle: props.throttle ?? FEED_THROTTLE,
    });
    this.url = this.stage.url;
    this.callbackUrl = this.stage.callbackUrl;

    for (const house of this.functions.values()) {
      const { def, fn } = house;
      if (def.trigger.kind === "websocket") {
        this.api.addRoute(def.trigger.route, {
          integration: new WebSocketLambdaIntegration(`${pascal(def.name)}Integration`, fn),
        });
      } else if (def.trigger.kind === "dynamodb-stream") {
        this.deadLetterQueues.set(def.name, attachStreamMapping(this, house, def.trigger, props.data));
      } else if (def.trigger.kind === "sqs") {
        this.attachFanOutQueue(house, props.shards ?? DEFAULT_FEED_SHARDS);
      }
      if (POSTS_TO_CLIENTS.has(def)) {
        // Scoped to this stage's @connections: the function can reach this feed's clients only.
        this.stage.grantManagementApiAccess(fn);
        fn.addEnvironment("WS_CALLBACK_URL", this.callbackUrl);
        Validations.of(fn).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${this.connectionsArnPattern()}]`,
          reason: "Connection ids are assigned by API Gateway as clients connect; the grant is limited to this API's stage.",
        });
      }
    }
    this.acknowledgeDecisions();
  }

  /** cdk-nag (AwsSolutions) findings that are decisions, each with its reason. */
  private acknowledgeDecisions(): void {
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Public market data. A WebSocket API takes an authorizer on $connect only; with WS_TOKEN_REQUIRED, ws-connect " +
        "checks ?token= against the secret (constant time) and refuses with 401, so $default and $disconnect are only " +
        "reachable over a connection it accepted. An authorizer would be a second function doing the same comparison.",
    });
    Validations.of(this.stage).acknowledge({
      id: "AwsSolutions-APIG1",
      reason:
        "WebSocket stage logs need the account-wide API Gateway CloudWatch role (shared by every API in the account " +
        "and region, so not this stack's to set); deploying with it unset fails. The route functions log each " +
        "connect, message and disconnect with its connection id, and the stage's metrics count them.",
    });
  }

  /** The connections ARN as cdk-nag prints it in its finding ids. */
  private connectionsArnPattern(): string {
    const apiId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    return `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${FEED_STAGE_NAME}/*/@connections/*`;
  }

  private attachFanOutQueue(house: HouseFunction, shards: number): void {
    const { def, fn } = house;
    if (FANOUT_QUEUE.visibilityTimeoutSeconds <= def.timeoutSeconds) {
      throw new Error(`${def.name}: the fan-out queue's visibility timeout must exceed the worker timeout ${def.timeoutSeconds}s`);
    }
    fn.addEventSource(
      new SqsEventSource(this.fanOutQueue, {
        batchSize: FANOUT_QUEUE.batchSize,
        reportBatchItemFailures: true, // a message that fails holds back only its own shard
        maxConcurrency: fanOutMaxConcurrency(shards),
      }),
    );
  }
}
