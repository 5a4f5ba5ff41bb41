import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpStage, LogGroupLogDestination, PayloadFormatVersion, type ThrottleSettings } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type ICachePolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret, type ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { leaderboardQuery } from "#api/schemas.js";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "#api/viewer.js";
import { SECRET_SETTINGS, type SecretSetting } from "#commons/secrets.js";
import { HTTP_API_FUNCTION } from "../functions/catalog.js";
import type { Data } from "./data.js";
import { HouseFunction } from "./house-function.js";
import type { FunctionDefaults } from "./ingestion.js";

/** The leaderboard's routes (functions/api/routes/leaderboard.ts): the only responses CloudFront caches by design. */
export const LEADERBOARD_PATHS = ["/api/v1/leaderboard", "/leaderboard"] as const;

/**
 * Exactly the leaderboard's query parameters, taken from the schema the API validates with, so a
 * new parameter cannot be dropped at the edge (CloudFront forwards only what the cache key names).
 */
export const LEADERBOARD_QUERY_STRINGS: readonly string[] = Object.keys(leaderboardQuery.shape);

/**
 * Paths of the admin routes (`x-api-key`): never cached, and the only ones the key is forwarded
 * on. test/cdk/api.test.ts checks every admin route of the OpenAPI document lands here. The bulk
 * `/traders/track` needs its own pattern: the per-trader one wants a segment before `/track`.
 */
export const ADMIN_PATH_PATTERNS = ["/traders/track", "/traders/*/track", "/api/v1/cache/*", "/followers", "/followers/*"] as const;

/**
 * The HTTP API's stage throttle when the stack passes none. CloudFront absorbs repeated
 * leaderboard reads, so this only bounds what uncached traffic (or a caller going around
 * CloudFront to execute-api) can cost in Lambda and DynamoDB.
 */
export const DEFAULT_HTTP_THROTTLE: Required<ThrottleSettings> = { rateLimit: 100, burstLimit: 200 };

/**
 * The longest CloudFront keeps a response, whatever the origin says. TTLs start at 0 (min and
 * default), so the origin's Cache-Control decides: the leaderboard's `max-age=300` is cached for
 * 5 minutes and a response without Cache-Control is not cached at all.
 */
const MAX_EDGE_TTL = Duration.hours(1);

/** CloudFront's limit on query strings in one cache policy's allow-list. */
const MAX_CACHE_KEY_QUERY_STRINGS = 10;

/** One line per request, in the field names CloudWatch Logs Insights discovers from JSON. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    requestTime: "$context.requestTime",
    sourceIp: "$context.identity.sourceIp",
    userAgent: "$context.identity.userAgent",
    method: "$context.httpMethod",
    path: "$context.path",
    status: "$context.status",
    protocol: "$context.protocol",
    responseLength: "$context.responseLength",
    responseLatency: "$context.responseLatency",
    integrationLatency: "$context.integrationLatency",
    integrationError: "$context.integrationErrorMessage",
    error: "$context.error.message",
  }),
);

/** Generated secrets (the admin key, the WebSocket token) are not rotated automatically; see the reason. */
const acknowledgeGeneratedSecret = (secret: Secret): void => {
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "A shared key that clients send, not a database credential: rotation means telling clients the new value, so " +
      "it is rotated by hand (put-secret-value). Functions read it at cold start, so a new value applies as instances recycle.",
  });
};

/** A Secrets Manager secret with a random value: letters and digits only, so it fits a header or a query string. */
export const generatedSecret = (scope: Construct, id: string, description: string): Secret => {
  const secret = new Secret(scope, id, {
    description,
    generateSecretString: { excludePunctuation: true, passwordLength: 40 },
  });
  acknowledgeGeneratedSecret(secret);
  return secret;
};

/**
 * Lets a function read a secret setting at cold start (#commons/secrets.js): the secret's ARN as
 * `<SETTING>_SECRET_ARN` and GetSecretValue on that one secret, the only call it makes (CDK's
 * grantRead would add DescribeSecret too); the value never enters the config. The secrets are
 * encrypted with Secrets Manager's own key, so no KMS grant is needed.
 */
export const readSecretAtColdStart = (fn: LambdaFunction, setting: SecretSetting, secret: ISecret): void => {
  if (secret.encryptionKey !== undefined) throw new Error(`${setting}: a secret with its own KMS key would also need kms:Decrypt`);
  fn.addToRolePolicy(new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }));
  fn.addEnvironment(SECRET_SETTINGS[setting], secret.secretArn);
};

export interface ApiProps {
  data: Data;
  functionDefaults: FunctionDefaults;
  /** Defaults to DEFAULT_HTTP_THROTTLE. */
  throttle?: ThrottleSettings;
  /** Edge locations serving the API; the cheapest (North America and Europe) by default. */
  priceClass?: PriceClass;
  logRetention?: RetentionDays;
}

/**
 * The HTTP API: the Hono app (http-api) behind an API Gateway HTTP API, behind CloudFront.
 *
 * CloudFront behaviours, first match wins:
 * - admin paths: never cached; forward `x-api-key` and every query string, any method;
 * - the leaderboard: cached per (path, leaderboard query strings, Accept-Encoding) for as long as the
 *   origin's Cache-Control says (max-age=300); the origin gzips, CloudFront compresses what comes plain;
 * - everything else: keyed on every query string, cached only when the origin asks.
 * The only viewer headers that reach the origin are `x-api-key` (admin paths) and
 * `CloudFront-Viewer-Address` (who the client is, for the rate limit), so API Gateway always sees
 * its own Host. CloudFront adds `x-origin-verify` (the origin secret) to every request it
 * forwards; the app refuses requests without it (403), so the execute-api URL is no way around the
 * cache and the limits.
 * The web dashboard (lib/dashboard.ts) adds `/app` and `/app/*` to the same distribution, from S3.
 *
 * The admin key is generated in Secrets Manager; the function gets its ARN and reads it at cold start.
 */
export class Api extends Construct {
  readonly function: HouseFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly distribution: Distribution;
  readonly leaderboardCachePolicy: CachePolicy;
  readonly defaultCachePolicy: CachePolicy;
  readonly adminOriginRequestPolicy: OriginRequestPolicy;
  /** Every other behaviour's: the viewer's address only, so the rate limit counts the client, not the edge. */
  readonly viewerOriginRequestPolicy: OriginRequestPolicy;
  readonly adminKeySecret: Secret;
  /** What CloudFront adds to each request it forwards (`x-origin-verify`); the API refuses requests without it. */
  readonly originSecret: Secret;
  /** The execute-api URL (`https://{api}.execute-api.{region}.amazonaws.com/`): refuses every request that skips CloudFront (403). */
  readonly url: string;
  /** What clients should use: `https://{distribution}.cloudfront.net`. */
  readonly cdnUrl: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.function = new HouseFunction(this, "Function", {
      ...props.functionDefaults,
      def: HTTP_API_FUNCTION,
      resources: {
        table: (def) => props.data.table(def),
        queue: (def) => {
          throw new Error(`The HTTP API sends to no queue, yet asks for "${def.id}"`);
        },
      },
    });

    this.adminKeySecret = generatedSecret(this, "AdminApiKey", "x-api-key for the HTTP API's admin routes (track, untrack, cache clear)");
    readSecretAtColdStart(this.function.fn, "ADMIN_API_KEY", this.adminKeySecret);
    this.originSecret = generatedSecret(
      this,
      "OriginSecret",
      "x-origin-verify: CloudFront adds it to every request it forwards to the HTTP API, which refuses requests without it",
    );
    readSecretAtColdStart(this.function.fn, "ORIGIN_SECRET", this.originSecret);

    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Hyperliquid copy-trader HTTP API (served through CloudFront)",
      // Every method and path goes to the one Hono app, which answers unknown routes itself.
      defaultIntegration: new HttpLambdaIntegration("Integration", this.function.fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
      createDefaultStage: false, // built below, with throttling and access logs
    });

    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, "Stage", {
      httpApi: this.httpApi,
      stageName: "$default", // paths reach the app as clients wrote them, without a stage prefix
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_HTTP_THROTTLE,
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
    this.url = this.stage.url;

    if (LEADERBOARD_QUERY_STRINGS.length > MAX_CACHE_KEY_QUERY_STRINGS) {
      throw new Error(
        `The leaderboard has ${LEADERBOARD_QUERY_STRINGS.length} query parameters; a CloudFront cache policy keys on at most ${MAX_CACHE_KEY_QUERY_STRINGS}`,
      );
    }
    const honourOrigin = {
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: MAX_EDGE_TTL,
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    };
    this.leaderboardCachePolicy = new CachePolicy(this, "LeaderboardCachePolicy", {
      ...honourOrigin,
      comment: "Leaderboard: keyed on its query strings; TTL from the origin's Cache-Control",
      queryStringBehavior: CacheQueryStringBehavior.allowList(...LEADERBOARD_QUERY_STRINGS),
    });
    this.defaultCachePolicy = new CachePolicy(this, "DefaultCachePolicy", {
      ...honourOrigin,
      comment: "API: keyed on every query string; cached only when the origin's Cache-Control asks",
      queryStringBehavior: CacheQueryStringBehavior.all(),
    });
    // Who the viewer is: set by CloudFront (a viewer's own copy is replaced), and believed by the
    // API only on requests carrying the origin secret. Not in any cache key.
    const viewerAddress = "CloudFront-Viewer-Address";
    if (viewerAddress.toLowerCase() !== VIEWER_ADDRESS_HEADER) throw new Error("The API reads another viewer header than CloudFront sends");
    this.viewerOriginRequestPolicy = new OriginRequestPolicy(this, "ViewerOriginRequestPolicy", {
      comment: "API: the viewer's address; query strings as the cache policy keys them (never the Host)",
      headerBehavior: OriginRequestHeaderBehavior.allowList(viewerAddress),
      // Those in the cache key are forwarded anyway; none other may reach a cached route.
      queryStringBehavior: OriginRequestQueryStringBehavior.none(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });
    this.adminOriginRequestPolicy = new OriginRequestPolicy(this, "AdminOriginRequestPolicy", {
      comment: "Admin routes: the x-api-key header, the viewer's address and every query string (never the Host)",
      headerBehavior: OriginRequestHeaderBehavior.allowList("x-api-key", viewerAddress),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    const origin = new HttpOrigin(`${this.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      // A dynamic reference ({{resolve:secretsmanager:...}}): the template holds no value; CloudFront's
      // configuration does, so rotating it is a put-secret-value followed by a deploy.
      customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originSecret.secretValue.unsafeUnwrap() },
    });
    const behavior = (cachePolicy: ICachePolicy, extra: Partial<BehaviorOptions> = {}): BehaviorOptions => ({
      origin,
      cachePolicy,
      // Every method reaches the app (it answers 404/405 in its own JSON); only GET and HEAD are cached.
      allowedMethods: AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
      ...extra,
    });
    const admin = behavior(CachePolicy.CACHING_DISABLED, { originRequestPolicy: this.adminOriginRequestPolicy });
    const viewer = { originRequestPolicy: this.viewerOriginRequestPolicy };
    const leaderboard = behavior(this.leaderboardCachePolicy, viewer);

    this.distribution = new Distribution(this, "Distribution", {
      comment: "Hyperliquid copy-trader HTTP API and dashboard",
      defaultBehavior: behavior(this.defaultCachePolicy, viewer),
      additionalBehaviors: {
        ...Object.fromEntries(ADMIN_PATH_PATTERNS.map((p) => [p, admin])),
        ...Object.fromEntries(LEADERBOARD_PATHS.map((p) => [p, leaderboard])),
      },
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
      // A client error depends on what the cache key does not see (the admin key, a trader tracked
      // a second ago): never serve one from the edge. 5xx keep CloudFront's 10 s to shield the origin.
      errorResponses: [400, 403, 404, 405, 414, 416].map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
    });
    this.cdnUrl = `https://${this.distribution.distributionDomainName}`;

    // cdk-nag (AwsSolutions) findings that are decisions, each with its reason.
    Validations.of(this.httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Public read API by design. The admin routes check x-api-key in the app against the key in Secrets Manager " +
        "(constant time); an authorizer would be a second function doing the same comparison.",
    });
    for (const [id, reason] of [
      ["AwsSolutions-CFR1", "Public market data: no country needs to be kept out."],
      [
        "AwsSolutions-CFR2",
        "No WAF by default (a web ACL costs more than the rest of a small deployment): the origin is throttled at the " +
          "API Gateway stage and rate-limited per client in the app. Attach a web ACL if the API draws abuse.",
      ],
      [
        "AwsSolutions-CFR3",
        "Standard logs need an S3 bucket with ACLs; every request that reaches the API is in the API Gateway " +
          "access log, the dashboard is static build output, and cache hits are counted in the distribution's CloudWatch metrics.",
      ],
      [
        "AwsSolutions-CFR4",
        "The default *.cloudfront.net certificate, for which CloudFront fixes the minimum viewer protocol; a custom " +
          "domain with an ACM certificate would allow TLSv1.2_2021. Origin connections are HTTPS with TLSv1.2 only.",
      ],
    ] as const) {
      Validations.of(this.distribution).acknowledge({ id, reason });
    }
  }
}
