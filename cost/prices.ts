/**
 * AWS unit prices the cost model multiplies by, us-east-1, on-demand, in US dollars.
 *
 * These are the public LIST prices as of PRICES_AS_OF, written down by hand: they were not fetched
 * from AWS, and AWS changes them (DynamoDB on-demand was halved on 2024-11-01). Re-check every one
 * against the AWS pricing pages before quoting a figure, and move the date when you do.
 *
 * Free tiers are deliberately NOT subtracted (Lambda's 400,000 GB-s, SQS's first 1M requests, the
 * 14M free Scheduler invocations, DynamoDB's 25 GB, CloudFront's 1 TB and 10M requests, ...): they
 * are per account, shared with whatever else runs there, and some expire after a year.
 *
 * A price is a decimal string per `per` units, `per` a power of ten, so price × quantity ÷ per is
 * exact in decimal arithmetic: money is never a float here.
 */
export const PRICES_AS_OF = "2025-06-01";

export const PRICES_REGION = "us-east-1";

export interface UnitPrice {
  /** Dollars for `per` units, as a decimal string. */
  usd: string;
  /** A power of ten (1, 1,000, 1,000,000, ...). */
  per: number;
  /** What one unit is ("request", "GB-s"), and more than one ("requests", "GB-s"). */
  unit: string;
  units: string;
}

const price = (usd: string, per: number, unit: string, units = `${unit}s`): UnitPrice => {
  if (!/^\d+(\.\d+)?$/.test(usd)) throw new Error(`price ${usd} is not a plain decimal`);
  if (!/^10*$/.test(String(per))) throw new Error(`price divisor ${per} is not a power of ten`);
  return { usd, per, unit, units };
};

const M = 1_000_000;

export const PRICES = {
  /** Lambda on arm64 (Graviton), first 7.5B GB-s tier; the stack builds every function for arm64. */
  lambdaArmGbSecond: price("0.0000133334", 1, "GB-s", "GB-s"),
  lambdaRequest: price("0.20", M, "request"),
  /** SQS standard queue; every 64 KB chunk of a request is billed as one request. */
  sqsRequest: price("0.40", M, "request"),
  /**
   * SQS FIFO queue (the feed's fan-out queue, high-throughput mode included), the same 64 KB rule:
   * a flat rate for send, receive, delete and change-visibility.
   */
  sqsFifoRequest: price("0.50", M, "request"),
  /** DynamoDB on-demand (standard table class), after the 2024-11-01 price cut. */
  dynamoWriteUnit: price("0.625", M, "write request unit"),
  dynamoReadUnit: price("0.125", M, "read request unit"),
  dynamoStorageGbMonth: price("0.25", 1, "GB-month"),
  /**
   * DynamoDB Streams GetRecords, per 100,000 read units. Not used by a line: GetRecords made by a
   * Lambda event source mapping are free, and the stack's only stream readers are Lambda triggers.
   */
  dynamoStreamsRead: price("0.02", 100_000, "streams read unit"),
  /** API Gateway HTTP API, first 300M requests a month (each 512 KB is a request). */
  httpApiRequest: price("1.00", M, "request"),
  /** API Gateway WebSocket: messages in 32 KB units, both directions, and connection time. */
  webSocketMessage: price("1.00", M, "message"),
  webSocketConnectionMinute: price("0.25", M, "connection-minute"),
  /**
   * Data transfer out to the internet (EC2 rates, first 10 TB): what API Gateway adds for the
   * WebSocket messages it delivers. CloudFront bills its own egress (below); origin fetches from
   * AWS origins to CloudFront are free.
   */
  dataTransferOutGb: price("0.09", 1, "GB", "GB"),
  /** CloudFront, United States/Canada/Mexico edge (the distribution uses PriceClass_100), first 10 TB. */
  cloudFrontDataOutGb: price("0.085", 1, "GB", "GB"),
  /** HTTPS requests; plain HTTP is $0.0075 per 10,000, but the distribution redirects to HTTPS. */
  cloudFrontHttpsRequest: price("0.0100", 10_000, "request"),
  /** NAT gateway: per hour it exists and per GB it processes (only with the fixed egress IP). */
  natGatewayHour: price("0.045", 1, "hour"),
  natGatewayGb: price("0.045", 1, "GB", "GB"),
  /** Every public IPv4 address, attached or not (since 2024-02-01): the NAT gateway's Elastic IP. */
  publicIpv4Hour: price("0.005", 1, "hour"),
  eventBridgeSchedulerInvocation: price("1.00", M, "invocation"),
  secretsManagerSecretMonth: price("0.40", 1, "secret-month"),
  secretsManagerApiCall: price("0.05", 10_000, "API call"),
  /** A standard-resolution alarm, per metric it evaluates (a metric-math alarm on 2 metrics is 2). */
  cloudWatchAlarmMetricMonth: price("0.10", 1, "alarm metric-month"),
  /** Custom metrics (the exchange counters, via Embedded Metric Format), first 10,000. */
  cloudWatchCustomMetricMonth: price("0.30", 1, "metric-month"),
  cloudWatchLogsIngestGb: price("0.50", 1, "GB", "GB"),
  cloudWatchLogsStorageGbMonth: price("0.03", 1, "GB-month"),
  /** A customer managed KMS key (the alarm topic's); requests are a few per alarm, not priced. */
  kmsKeyMonth: price("1.00", 1, "key-month"),
} as const satisfies Record<string, UnitPrice>;

export type PriceName = keyof typeof PRICES;
