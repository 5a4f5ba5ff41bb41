import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { COPY_QUEUE, FANOUT_QUEUE, type QueueDef } from "#commons/queues.js";
import { ALL_FUNCTIONS, COPY_WORKER_FUNCTION, STREAM_LISTENER_FUNCTION, WS_CONNECT_FUNCTION } from "../functions/catalog.js";
import { Alarms } from "./alarms.js";
import { Api, generatedSecret, readSecretAtColdStart } from "./api.js";
import { Copy } from "./copy.js";
import { Dashboard } from "./dashboard.js";
import { Data, tableConstructId } from "./data.js";
import { FixedEgress } from "./egress.js";
import { Feed } from "./feed.js";
import type { HouseFunction } from "./house-function.js";
import { Ingestion, pascal, type FunctionDefaults } from "./ingestion.js";
import { FUNCTION_FIXED_ENV, type DeploySettings } from "./settings.js";
import { checkStreamReaders } from "./streams.js";

export interface CopyTraderStackProps extends StackProps {
  settings: DeploySettings;
  /**
   * false only in CDK unit tests: functions get a placeholder instead of an esbuild bundle, and
   * the dashboard a placeholder page instead of the Vite build.
   */
  bundle?: boolean;
}

/** Powertools service name: the same for every function, as the functions form one service. */
export const SERVICE_NAME = "hl-copytrader";

/**
 * The whole app in one stack: the tables (Data), discovery, tracking and the trades-stream
 * listener (Ingestion), the live WebSocket feed (Feed), copy trading (Copy), the HTTP API behind
 * CloudFront (Api), the web dashboard on the same distribution (Dashboard) and, last, the alarms on
 * all of them.
 */
export class CopyTraderStack extends Stack {
  readonly data: Data;
  readonly ingestion: Ingestion;
  readonly feed: Feed;
  readonly copy: Copy;
  readonly api: Api;
  readonly dashboard: Dashboard;
  /** Only with WS_TOKEN_REQUIRED: the token WebSocket clients connect with (`?token=`). */
  readonly wsTokenSecret: Secret | undefined;
  readonly alarms: Alarms;
  /** Only with FIXED_EGRESS_IP: the VPC and Elastic IP every exchange call leaves from. */
  readonly egress: FixedEgress | undefined;

  constructor(scope: Construct, id: string, props: CopyTraderStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // The events stream has two readers, the broadcaster and the copy dispatcher: DynamoDB's limit.
    checkStreamReaders(ALL_FUNCTIONS);

    this.data = new Data(this, "Data", { deletionProtection: settings.stack.DELETION_PROTECTION });

    this.egress = settings.stack.FIXED_EGRESS_IP
      ? new FixedEgress(this, "Egress", { logRetention: settings.stack.LOG_RETENTION_DAYS })
      : undefined;

    const functionDefaults: FunctionDefaults = {
      environment: { ...settings.appEnv, ...FUNCTION_FIXED_ENV },
      serviceName: SERVICE_NAME,
      logLevel: settings.stack.LOG_LEVEL,
      logRetention: settings.stack.LOG_RETENTION_DAYS,
      // Only a function the catalog lets read agent secrets uses it (lib/house-function.ts).
      agentSecretPrefix: settings.app.COPY_AGENT_SECRET_PREFIX,
      ...(props.bundle === undefined ? {} : { bundle: props.bundle }),
      ...(this.egress && { egress: this.egress }),
    };
    this.ingestion = new Ingestion(this, "Ingestion", { data: this.data, app: settings.app, functionDefaults });
    this.feed = new Feed(this, "Feed", { data: this.data, functionDefaults, shards: settings.app.FEED_SHARDS });
    this.copy = new Copy(this, "Copy", {
      data: this.data,
      app: settings.app,
      functionDefaults,
      runOnSchedule: (house) => this.ingestion.runOnSchedule(house, settings.app),
    });
    this.api = new Api(this, "Api", {
      data: this.data,
      functionDefaults,
      throttle: { rateLimit: settings.stack.HTTP_API_RATE_LIMIT, burstLimit: settings.stack.HTTP_API_BURST_LIMIT },
      logRetention: settings.stack.LOG_RETENTION_DAYS,
      queues: (def) => this.copy.lookup(def),
    });
    this.dashboard = new Dashboard(this, "Dashboard", {
      distribution: this.api.distribution,
      liveFeed: { url: this.feed.url, endpoint: this.feed.api.apiEndpoint },
      wsTokenRequired: settings.stack.WS_TOKEN_REQUIRED,
      logRetention: settings.stack.LOG_RETENTION_DAYS,
      ...(props.bundle === undefined ? {} : { bundle: props.bundle }),
    });
    this.wsTokenSecret = settings.stack.WS_TOKEN_REQUIRED
      ? generatedSecret(this, "WsToken", "The ?token= WebSocket clients must connect to the live feed with")
      : undefined;
    if (this.wsTokenSecret !== undefined) {
      const connect = this.feed.functions.get(WS_CONNECT_FUNCTION.name);
      if (!connect) throw new Error(`WS_TOKEN_REQUIRED: the feed has no ${WS_CONNECT_FUNCTION.name} function to check the token`);
      readSecretAtColdStart(connect.fn, "WS_TOKEN", this.wsTokenSecret);
    }

    // The names a user needs to look at the data or replay a dead letter from the console or CLI.
    for (const { def, table } of this.data.all()) {
      new CfnOutput(this, tableConstructId(def), { value: table.tableName, description: `${def.envVar} (table name)` });
    }
    for (const { def, queue, deadLetterQueue } of this.ingestion.all()) {
      new CfnOutput(this, `${pascal(def.id)}QueueUrl`, { value: queue.queueUrl });
      new CfnOutput(this, `${pascal(def.id)}DeadLetterQueueUrl`, { value: deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, "ScheduleDeadLetterQueueUrl", { value: this.ingestion.scheduleDeadLetterQueue.queueUrl });
    for (const [name, deadLetterQueue] of this.streamDeadLetterQueues()) {
      new CfnOutput(this, `${pascal(name)}StreamDeadLetterQueueUrl`, { value: deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, "FanOutQueueUrl", { value: this.feed.fanOutQueue.queueUrl });
    new CfnOutput(this, "FanOutDeadLetterQueueUrl", { value: this.feed.fanOutDeadLetterQueue.queueUrl });
    new CfnOutput(this, "CopyQueueUrl", { value: this.copy.queue.queueUrl });
    new CfnOutput(this, "CopyDeadLetterQueueUrl", { value: this.copy.deadLetterQueue.queueUrl });
    new CfnOutput(this, "WebSocketUrl", { value: this.feed.url, description: "Live feed (wss://)" });
    new CfnOutput(this, "CloudFrontUrl", { value: this.api.cdnUrl, description: "HTTP API through CloudFront (cached leaderboard)" });
    new CfnOutput(this, "DashboardUrl", { value: this.dashboard.url, description: "Web dashboard (same CloudFront domain, /app/)" });
    // Descriptions are literal in CloudFormation: the command names the value as <this value>.
    const readIt = "read it with: aws secretsmanager get-secret-value --secret-id <this value> --query SecretString --output text";
    new CfnOutput(this, "AdminKeySecretName", {
      value: this.api.adminKeySecret.secretName,
      description: `Secret holding the x-api-key of the admin routes; ${readIt}`,
    });
    if (this.wsTokenSecret !== undefined) {
      new CfnOutput(this, "WsTokenSecretName", {
        value: this.wsTokenSecret.secretName,
        description: `Secret holding the WebSocket ?token=; ${readIt}`,
      });
    }

    if (this.egress !== undefined) {
      new CfnOutput(this, "EgressIp", {
        value: this.egress.elasticIp.attrPublicIp,
        description: "The one public IP every exchange call leaves from (FIXED_EGRESS_IP)",
      });
    }

    // Last, so that it sees every function and dead-letter queue the constructs above made.
    this.alarms = new Alarms(this, "Alarms", {
      functions: [...this.functions().values()],
      deadLetterQueues: [
        ...this.ingestion.all().map(({ def, deadLetterQueue }) => ({ name: def.id, queue: deadLetterQueue })),
        { name: "schedules", queue: this.ingestion.scheduleDeadLetterQueue },
        ...[...this.streamDeadLetterQueues()].map(([name, queue]) => ({ name: `${name}-stream`, queue })),
        { name: "fanout", queue: this.feed.fanOutDeadLetterQueue },
        { name: "copy", queue: this.copy.deadLetterQueue },
      ],
      streamFunctions: [...this.functions().values()].filter((f) => f.def.trigger.kind === "dynamodb-stream"),
      serviceName: SERVICE_NAME,
      // Tied to the function rather than the setting: no stream alarms without a listener to alarm on.
      tradesStream: this.ingestion.functions.has(STREAM_LISTENER_FUNCTION.name),
      leaderboardIntervalSeconds: settings.app.LEADERBOARD_INTERVAL_SECONDS,
      ...(this.copy.functions.has(COPY_WORKER_FUNCTION.name) && {
        copyTrading: { orderErrorsThreshold: settings.stack.COPY_ORDER_ERRORS_ALARM_THRESHOLD },
      }),
      ...(settings.stack.ALARM_EMAIL !== undefined && { alarmEmail: settings.stack.ALARM_EMAIL }),
    });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarms.topic.topicArn,
      description: "SNS topic every alarm notifies; subscribe more endpoints to it (ALARM_EMAIL subscribes one)",
    });
  }

  /** Every function of the stack by catalog name, whichever construct built it. */
  functions(): ReadonlyMap<string, HouseFunction> {
    return new Map([
      ...this.ingestion.functions,
      ...this.feed.functions,
      ...this.copy.functions,
      [this.api.function.def.name, this.api.function],
    ]);
  }

  /** The queue a catalog definition names, whichever construct owns it. */
  queue(def: QueueDef): Queue {
    if (def.id === FANOUT_QUEUE.id) return this.feed.fanOutQueue;
    if (def.id === COPY_QUEUE.id) return this.copy.queue;
    return this.ingestion.queue(def);
  }

  /** Every stream consumer's on-failure destination, by function name (the feed's and copy trading's). */
  streamDeadLetterQueues(): ReadonlyMap<string, Queue> {
    return new Map([...this.feed.deadLetterQueues, ...this.copy.streamDeadLetterQueues]);
  }
}
