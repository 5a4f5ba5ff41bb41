import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { AssetHashType, DefaultStackSynthesizer, DockerImage, Duration, RemovalPolicy, Stack, Validations, type BundlingOptions } from "aws-cdk-lib";
import {
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  Function as CloudFrontFunction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type AddBehaviorOptions,
  type Distribution,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source, type ISource } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { REPO_ROOT } from "./house-function.js";

/** The dashboard's sources (a Vite app, `base: "/app/"`); `npm run build` builds it. */
export const WEB_DIR = path.join(REPO_ROOT, "web");

/** Where the dashboard lives, on CloudFront and (without the leading slash) as the bucket's key prefix. */
export const DASHBOARD_PATH = "/app";
const KEY_PREFIX = `${DASHBOARD_PATH.slice(1)}/`;

/**
 * Vite names everything under assets/ after its content hash, so a name never changes meaning:
 * browsers and CloudFront keep it for a year. index.html, config.json and anything else unhashed
 * say no-cache: browsers revalidate (a 304 most of the time) and so see a deploy at once.
 */
export const DASHBOARD_CACHE_CONTROL = {
  assets: "public, max-age=31536000, immutable",
  entry: "no-cache",
} as const;

/**
 * CloudFront Function (viewer-request, cloudfront-js-2.0). The page routes on the URL hash, so it
 * has one address, /app/: that is index.html. /app itself and any other path under /app/ without
 * a file extension are sent there (302): the page resolves config.json against its own URL
 * (`new URL("config.json", document.baseURI)`), which only lands under /app/ from /app/. Browsers
 * keep a #fragment across a redirect, so `/app#/traders/0x…` still opens that trader; the query
 * string is dropped (the page reads none). Files (/app/assets/x.js, /app/config.json) pass through.
 */
export const DASHBOARD_REWRITE_CODE = [
  "function handler(event) {",
  "  var request = event.request;",
  `  if (request.uri === "${DASHBOARD_PATH}/") {`,
  `    request.uri = "${DASHBOARD_PATH}/index.html";`,
  "    return request;",
  "  }",
  String.raw`  if (/^\/app(\/(.*\/)?[^\/.]*)?$/.test(request.uri)) {`,
  `    return { statusCode: 302, statusDescription: "Found", headers: { location: { value: "${DASHBOARD_PATH}/" } } };`,
  "  }",
  "  return request;",
  "}",
].join("\n");

/**
 * What the page may load and connect to: its own origin (the page, its assets, the HTTP API on
 * the same CloudFront domain) and the live feed's WebSocket host. Inline styles are allowed
 * because chart and layout code sets them; scripts only from files, never inline.
 */
export const dashboardContentSecurityPolicy = (webSocketEndpoint: string): string =>
  [
    "default-src 'self'",
    `connect-src 'self' ${webSocketEndpoint}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

/**
 * Builds web/ with the Vite in node_modules (`npm run build`), on this machine: local bundling
 * always succeeds or throws, so the Docker image is only the fallback CDK requires to be named,
 * never pulled ("no Docker" to deploy). A failed build fails the synth with Vite's error. Vite's
 * stdout goes to stderr so that `cdk synth > template.yaml` stays a template.
 */
export const dashboardBundling = (): BundlingOptions => ({
  image: DockerImage.fromRegistry("node:22"),
  local: {
    tryBundle(outputDir: string): boolean {
      execFileSync("npm", ["run", "-s", "build", "--", "--outDir", outputDir, "--emptyOutDir"], {
        cwd: REPO_ROOT,
        stdio: ["ignore", process.stderr, "inherit"],
      });
      return true;
    },
  },
});

/** The built dashboard, or with `bundle: false` (CDK unit tests) a one-file placeholder, so no test runs Vite. */
const siteSource = (bundle: boolean): ISource => {
  if (!bundle) return Source.data("index.html", "<!doctype html><title>dashboard placeholder</title>");
  if (!existsSync(WEB_DIR)) throw new Error(`The dashboard's sources are missing: ${WEB_DIR} does not exist`);
  return Source.asset(WEB_DIR, {
    bundling: dashboardBundling(),
    // Hash what was built, not web/: code the page imports from outside web/ or a Vite upgrade
    // changes the output and so redeploys; an identical build does not. (No source is hashed,
    // so node_modules and dist never need excluding.)
    assetHashType: AssetHashType.OUTPUT,
  });
};

export interface DashboardProps {
  /** The API's distribution (lib/api.ts owns it): the dashboard adds its behaviours to it. */
  distribution: Distribution;
  /** The live feed the page connects to: its URL (`wss://…/v1`) and its origin (`wss://host`). */
  liveFeed: { url: string; endpoint: string };
  /** The feed wants `?token=` (WS_TOKEN_REQUIRED): config.json says so, and the page asks the user for it. */
  wsTokenRequired?: boolean;
  /** false only in CDK unit tests: a placeholder page instead of the Vite build. */
  bundle?: boolean;
  logRetention?: RetentionDays;
}

/**
 * The web dashboard: a private bucket that only the API's CloudFront distribution can read (Origin
 * Access Control), the build deployed under app/ with config.json next to it, and the /app and
 * /app/* behaviours of the distribution. Everything else on the distribution is still the API.
 */
export class Dashboard extends Construct {
  readonly bucket: Bucket;
  readonly rewriteFunction: CloudFrontFunction;
  readonly cachePolicy: CachePolicy;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** The hashed files (app/assets/*): uploaded first, never pruned. */
  readonly assetsDeployment: BucketDeployment;
  /** index.html, config.json and the rest: after the assets, then CloudFront is invalidated. */
  readonly entryDeployment: BucketDeployment;
  /** `https://{distribution}.cloudfront.net/app/` */
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { distribution } = props;

    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED, // SSE-KMS would need a key policy for CloudFront's OAC
      // It only ever holds build output, which the next deploy writes again: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    this.rewriteFunction = new CloudFrontFunction(this, "Rewrite", {
      comment: "Dashboard: /app/ is index.html; /app and other extension-less paths redirect to /app/",
      code: FunctionCode.fromInline(DASHBOARD_REWRITE_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
    this.cachePolicy = new CachePolicy(this, "CachePolicy", {
      comment: "Dashboard: TTL from the object's Cache-Control (a year for hashed assets, revalidate the rest)",
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0), // an object without Cache-Control is not cached
      maxTtl: Duration.days(365),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, "ResponseHeaders", {
      comment: "Dashboard: CSP (self and the live feed), HSTS, nosniff, no framing",
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: dashboardContentSecurityPolicy(props.liveFeed.endpoint), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    const behavior: AddBehaviorOptions = {
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
      cachePolicy: this.cachePolicy,
      responseHeadersPolicy: this.responseHeadersPolicy,
      functionAssociations: [{ function: this.rewriteFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    // `/app/*` does not match `/app`; both are the dashboard. Neither overlaps an API route.
    distribution.addBehavior(DASHBOARD_PATH, origin, behavior);
    distribution.addBehavior(`${DASHBOARD_PATH}/*`, origin, behavior);

    const site = siteSource(props.bundle ?? true);
    // One log group for the deployment function, which both deployments share (a singleton).
    const logGroup = new LogGroup(this, "DeploymentLogs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.assetsDeployment = new BucketDeployment(this, "Assets", {
      sources: [site],
      destinationBucket: this.bucket,
      destinationKeyPrefix: KEY_PREFIX,
      exclude: ["*"],
      include: ["assets/*"],
      cacheControl: [CacheControl.fromString(DASHBOARD_CACHE_CONTROL.assets)],
      // Old hashed files stay: a page loaded before the deploy still fetches its own chunks (and
      // an edge may serve the old index.html for a moment). They are a few hundred KB a build.
      prune: false,
      logGroup,
    });
    this.entryDeployment = new BucketDeployment(this, "Entry", {
      // Later sources win: our config.json replaces any the build has (e.g. one for local runs).
      // It is public: whether the feed wants a token, never the token (that stays in Secrets Manager).
      sources: [
        site,
        Source.jsonData("config.json", { api_base: "", ws_url: props.liveFeed.url, ws_token_required: props.wsTokenRequired ?? false }),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: KEY_PREFIX,
      exclude: ["assets/*"], // the assets deployment's, and so never pruned by this one
      cacheControl: [CacheControl.fromString(DASHBOARD_CACHE_CONTROL.entry)],
      prune: true, // an unhashed file the build no longer has goes away
      distribution,
      // One wildcard path (what CloudFront bills) covers index.html, config.json and any other
      // unhashed file; the hashed assets it also evicts are fetched once more per edge.
      distributionPaths: [`${DASHBOARD_PATH}/*`],
      logGroup,
    });
    // A new index.html must never go live before the assets it names are there.
    this.entryDeployment.node.addDependency(this.assetsDeployment);

    this.url = `https://${distribution.distributionDomainName}${DASHBOARD_PATH}/`;
    this.acknowledgeFindings();
  }

  /** cdk-nag (AwsSolutions) findings that are decisions, each with its reason, on the narrowest construct. */
  private acknowledgeFindings(): void {
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "Holds only the dashboard's build output, readable by this distribution alone and written only by the deployment; " +
        "access logs would need a second bucket and record nothing worth knowing. CloudFront's metrics count the requests.",
    });

    // The function behind both deployments: a stack-level singleton that aws-s3-deployment builds
    // (its role is CDK's, granted by BucketDeployment itself). It runs only while CloudFormation deploys.
    const deploymentFunction = this.assetsDeployment.handlerRole.node.scope;
    if (deploymentFunction === undefined) throw new Error("BucketDeployment's role has no function around it");
    const stack = Stack.of(this);
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const cfnBucket = this.bucket.node.defaultChild;
    if (!(cfnBucket instanceof CfnBucket)) throw new Error("The dashboard bucket has no CfnBucket");
    const bucketId = stack.getLogicalId(cfnBucket);
    const readAssets = "reads the deployment zips from the CDK asset bucket and the dashboard bucket (CDK's grantRead)";
    const writeSite = "writes and prunes the dashboard bucket's objects (CDK's grantReadWrite: multipart uploads, deletes)";
    for (const [id, reason] of [
      [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "CDK's BucketDeployment function: AWS's policy for writing its own logs and nothing else.",
      ],
      ["AwsSolutions-IAM5[Action::s3:GetBucket*]", `CDK's BucketDeployment function ${readAssets}.`],
      ["AwsSolutions-IAM5[Action::s3:GetObject*]", `CDK's BucketDeployment function ${readAssets}.`],
      ["AwsSolutions-IAM5[Action::s3:List*]", `CDK's BucketDeployment function ${readAssets}; sync lists to compare and prune.`],
      [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
        "CDK's BucketDeployment function reads the deployment zips: objects of the CDK bootstrap asset bucket only.",
      ],
      ["AwsSolutions-IAM5[Action::s3:Abort*]", `CDK's BucketDeployment function ${writeSite}.`],
      ["AwsSolutions-IAM5[Action::s3:DeleteObject*]", `CDK's BucketDeployment function ${writeSite}.`],
      [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, `CDK's BucketDeployment function ${writeSite}; this bucket only.`],
      [
        "AwsSolutions-IAM5[Resource::*]",
        "CDK's BucketDeployment function: cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on * " +
          "(the invalidation after the deploy; the distribution is the one named in the custom resource).",
      ],
      [
        "AwsSolutions-L1",
        "CDK's BucketDeployment function: CDK pins its Python runtime (3.13) with the AWS CLI layer it ships, and updates " +
          "both with aws-cdk-lib; it runs only while CloudFormation deploys.",
      ],
    ] as const) {
      Validations.of(deploymentFunction).acknowledge({ id, reason });
    }
  }
}
