import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import vm from "node:vm";
import { CfnResource as CfnResourceConstruct } from "aws-cdk-lib";
import type { BucketDeployment } from "aws-cdk-lib/aws-s3-deployment";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { DASHBOARD_CACHE_CONTROL, DASHBOARD_PATH, WEB_DIR, dashboardBundling } from "../../lib/dashboard.js";
import { REPO_ROOT } from "../../lib/house-function.js";
import { logicalId, referencedIds, resource, synthStack, type Synthesized } from "./synth.js";

/** One synth for the file, placeholders instead of bundles: no esbuild, no Vite. */
let s: Synthesized;
beforeAll(() => {
  s = synthStack();
}, 60_000);

const props = (id: string) => resource(s.template, id).Properties;
const distributionId = () => logicalId(s.stack.api.distribution);
const bucketId = () => logicalId(s.stack.dashboard.bucket);
const distributionConfig = () => props(distributionId()).DistributionConfig;
const behavior = (pattern: string) => {
  const found = (distributionConfig().CacheBehaviors as Array<Record<string, any>>).find((b) => b.PathPattern === pattern);
  if (!found) throw new Error(`No behaviour for ${pattern}`);
  return found;
};
const originTo = (targetId: string) =>
  (distributionConfig().Origins as Array<Record<string, any>>).find((o) => referencedIds(o.DomainName).has(targetId));

/** The custom resource a BucketDeployment adds (it has no default child to ask). */
const deploymentResource = (deployment: BucketDeployment, of: Synthesized = s) => {
  const cr = deployment.node.findAll().find((c) => c instanceof CfnResourceConstruct && c.cfnResourceType === "Custom::CDKBucketDeployment");
  if (!cr) throw new Error(`${deployment.node.path} has no Custom::CDKBucketDeployment`);
  const id = of.stack.getLogicalId(cr as CfnResourceConstruct);
  return { id, ...resource(of.template, id) } as { id: string; Properties: Record<string, any>; DependsOn?: string[] };
};

/** The directory a source's zip is made from: the cloud assembly stages every asset as `asset.<hash>`. */
const stagedSource = (objectKey: unknown, of: Synthesized = s): string =>
  path.join(of.app.synth().directory, `asset.${String(objectKey).replace(/\.zip$/, "")}`);

/** The config.json the entry deployment uploads (its second source), markers not yet replaced. */
const deployedConfig = (of: Synthesized = s) => {
  const { SourceObjectKeys: keys, SourceMarkers: markers } = deploymentResource(of.stack.dashboard.entryDeployment, of).Properties;
  const configDir = stagedSource(keys[1], of);
  expect(readdirSync(configDir)).toEqual(["config.json"]);
  const text = readFileSync(path.join(configDir, "config.json"), "utf8");
  return { text, config: JSON.parse(text) as Record<string, unknown>, markers: markers[1] as Record<string, unknown> };
};

/** A CloudFormation value as text, references written `{Id}` / `{Id.Attr}`: compares what a deploy would produce. */
const render = (value: unknown): string => {
  if (typeof value === "string") return value;
  const v = value as Record<string, any>;
  if (typeof v.Ref === "string") return `{${v.Ref}}`;
  if (Array.isArray(v["Fn::GetAtt"])) return `{${v["Fn::GetAtt"].join(".")}}`;
  if (Array.isArray(v["Fn::Join"])) return (v["Fn::Join"][1] as unknown[]).map(render).join(v["Fn::Join"][0]);
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
};

/** Runs the deployed CloudFront Function's code on a viewer-request event, as CloudFront would. */
const runRewrite = (uri: string): Record<string, any> => {
  const code = props(logicalId(s.stack.dashboard.rewriteFunction)).FunctionCode as string;
  const event = {
    version: "1.0",
    context: { eventType: "viewer-request" },
    viewer: { ip: "192.0.2.1" },
    request: { method: "GET", uri, querystring: { v: { value: "1" } }, headers: {}, cookies: {} },
  };
  return vm.runInNewContext(`${code}\nhandler(event);`, { event }, { timeout: 1000 }) as Record<string, any>;
};

describe("the dashboard bucket", () => {
  it("is private: all public access blocked, SSE-S3, and emptied and deleted with the stack", () => {
    const bucket = resource(s.template, bucketId());
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    expect(bucket.DeletionPolicy).toBe("Delete");
    expect(Object.keys(s.template.findResources("Custom::S3AutoDeleteObjects"))).toHaveLength(1);
  });

  it("only this distribution may read objects (Origin Access Control), and only over TLS", () => {
    const [policy, ...more] = Object.values(s.template.findResources("AWS::S3::BucketPolicy")).filter((p) =>
      referencedIds(p.Properties.Bucket).has(bucketId()),
    );
    expect(more).toEqual([]);
    const statements = policy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    const reads = statements.filter(
      (st) => st.Effect === "Allow" && ([] as string[]).concat(st.Action).some((a) => /^s3:(\*|Get\*|GetObject\*?)$/.test(a)),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect(render(reads[0]!.Condition.StringEquals["AWS:SourceArn"])).toBe(
      `arn:{AWS::Partition}:cloudfront::{AWS::AccountId}:distribution/{${distributionId()}}`,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );

    const origin = originTo(bucketId());
    expect(render(origin!.DomainName)).toBe(`{${bucketId()}.RegionalDomainName}`);
    expect(origin!.S3OriginConfig).toEqual({ OriginAccessIdentity: "" }); // no legacy OAI
    const [oacId] = referencedIds(origin!.OriginAccessControlId);
    expect(props(oacId!).OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
  });
});

describe("the distribution's dashboard behaviours", () => {
  it.each([DASHBOARD_PATH, `${DASHBOARD_PATH}/*`])("%s: the bucket, through the rewrite function, HTTPS, compressed, GET/HEAD", (pattern) => {
    const b = behavior(pattern);
    expect(b.TargetOriginId).toBe(originTo(bucketId())!.Id);
    expect(b.FunctionAssociations).toEqual([
      { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [logicalId(s.stack.dashboard.rewriteFunction), "FunctionARN"] } },
    ]);
    expect(b.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(b.Compress).toBe(true);
    expect(b.AllowedMethods ?? ["GET", "HEAD"]).toEqual(["GET", "HEAD"]);
    expect(referencedIds(b.CachePolicyId)).toEqual(new Set([logicalId(s.stack.dashboard.cachePolicy)]));
    expect(referencedIds(b.ResponseHeadersPolicyId)).toEqual(new Set([logicalId(s.stack.dashboard.responseHeadersPolicy)]));
  });

  it("everything else is still the API", () => {
    const api = (distributionConfig().Origins as Array<Record<string, any>>).find((o) => o.CustomOriginConfig);
    expect(distributionConfig().DefaultCacheBehavior.TargetOriginId).toBe(api!.Id);
  });

  it("the cache honours the object's Cache-Control: 0 when it says nothing, up to a year for immutable assets", () => {
    const policy = props(logicalId(s.stack.dashboard.cachePolicy)).CachePolicyConfig;
    expect(policy).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(policy.MaxTTL).toBeGreaterThanOrEqual(31_536_000);
    const key = policy.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key).toMatchObject({
      QueryStringsConfig: { QueryStringBehavior: "none" },
      HeadersConfig: { HeaderBehavior: "none" },
      CookiesConfig: { CookieBehavior: "none" },
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
    });
  });

  it("security headers: a CSP that allows only this origin and the live feed's host, HSTS, nosniff, no framing", () => {
    const config = props(logicalId(s.stack.dashboard.responseHeadersPolicy)).ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = render(config.ContentSecurityPolicy.ContentSecurityPolicy);
    const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)] as const));
    expect(directives.get("default-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'", `{${logicalId(s.stack.feed.api)}.ApiEndpoint}`]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(config.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(config.ContentTypeOptions).toEqual({ Override: true });
    expect(config.FrameOptions.FrameOption).toBe("DENY");
  });
});

describe("the rewrite function (its deployed code, run as CloudFront runs it)", () => {
  it("is cloudfront-js-2.0 on viewer requests", () => {
    expect(props(logicalId(s.stack.dashboard.rewriteFunction)).FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
  });

  it("/app/ is the page: /app/index.html, query string kept", () => {
    const request = runRewrite("/app/");
    expect(request.uri).toBe("/app/index.html");
    expect(request.querystring).toEqual({ v: { value: "1" } });
  });

  // The page resolves config.json against its own URL: from /app or /app/traders it would miss /app/.
  it.each(["/app", "/app/traders", "/app/traders/0xabababababababababababababababababababab"])(
    "%s is sent to /app/ (302; the browser keeps the #route)",
    (uri) => {
      expect(runRewrite(uri)).toEqual({ statusCode: 302, statusDescription: "Found", headers: { location: { value: "/app/" } } });
    },
  );

  it.each(["/app/assets/x.js", "/app/assets/index-4f2a9c1d.css", "/app/config.json", "/app/favicon.svg", "/app/index.html"])(
    "%s is a file: left alone",
    (uri) => {
      expect(runRewrite(uri)).toMatchObject({ method: "GET", uri });
    },
  );
});

describe("the deployments", () => {
  const assets = () => deploymentResource(s.stack.dashboard.assetsDeployment);
  const entry = () => deploymentResource(s.stack.dashboard.entryDeployment);

  it("hashed assets: only assets/*, under app/, immutable for a year, never pruned (open pages still load their chunks)", () => {
    expect(assets().Properties).toMatchObject({
      DestinationBucketKeyPrefix: "app/",
      Exclude: ["*"],
      Include: ["assets/*"],
      Prune: false,
      SystemMetadata: { "cache-control": DASHBOARD_CACHE_CONTROL.assets },
    });
    expect(DASHBOARD_CACHE_CONTROL.assets).toBe("public, max-age=31536000, immutable");
    expect(referencedIds(assets().Properties.DestinationBucketName)).toEqual(new Set([bucketId()]));
  });

  it("the rest: after the assets, no-cache, then /app/* is invalidated on this distribution", () => {
    expect(entry().Properties).toMatchObject({
      DestinationBucketKeyPrefix: "app/",
      Exclude: ["assets/*"],
      SystemMetadata: { "cache-control": "no-cache" },
      DistributionId: { Ref: distributionId() },
      DistributionPaths: ["/app/*"],
    });
    expect(entry().DependsOn).toContain(assets().id);
  });

  it("config.json: same-origin API and the live feed's URL, filled in at deploy; no token required by default", () => {
    const { config, markers } = deployedConfig();
    expect(Object.keys(config).sort()).toEqual(["api_base", "ws_token_required", "ws_url"]);
    expect(config.api_base).toBe("");
    expect(config.ws_token_required).toBe(false);
    // The deployment function replaces each marker with its value: the feed's wss:// URL.
    const deployed = Object.entries(markers).reduce((text, [marker, value]) => text.split(marker).join(render(value)), String(config.ws_url));
    expect(deployed).toBe(render(s.stack.resolve(s.stack.feed.url)));
    expect(deployed).toBe(`wss://{${logicalId(s.stack.feed.api)}}.execute-api.{AWS::Region}.{AWS::URLSuffix}/v1`);
  });

  it("config.json with WS_TOKEN_REQUIRED: says a token is required, and holds no reference to the token's secret", () => {
    const t = synthStack({ context: { WS_TOKEN_REQUIRED: true } });
    const { text, config, markers } = deployedConfig(t);
    expect(config.ws_token_required).toBe(true);
    expect(Object.keys(config).sort()).toEqual(["api_base", "ws_token_required", "ws_url"]);
    // Only the feed's URL is filled in at deploy: nothing from the secret can reach the public file.
    const secretId = logicalId(t.stack.wsTokenSecret!);
    expect(referencedIds(Object.values(markers)).has(secretId)).toBe(false);
    expect(text).not.toMatch(/secret/i);
  });

  it("without bundling both deploy a placeholder page: no test runs Vite", () => {
    const site = assets().Properties.SourceObjectKeys[0];
    expect(entry().Properties.SourceObjectKeys[0]).toBe(site);
    expect(readdirSync(stagedSource(site))).toEqual(["index.html"]);
  });

  it("the deployment function logs to a log group that expires", () => {
    const [deploymentFunction] = referencedIds(assets().Properties.ServiceToken);
    const [logGroupId] = referencedIds(props(deploymentFunction!).LoggingConfig.LogGroup);
    expect(props(logGroupId!).RetentionInDays).toBe(30);
  });
});

it("DashboardUrl: https://<distribution>/app/", () => {
  const output = s.template.toJSON().Outputs.DashboardUrl;
  expect(render(output.Value)).toBe(`https://{${distributionId()}.DomainName}/app/`);
});

const canBuildDashboard = (): boolean => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return existsSync(path.join(WEB_DIR, "vite.config.ts")) && pkg.scripts?.build !== undefined;
};

describe("the real build (with bundle: true)", () => {
  it("is Vite on this machine; the Docker image is only named, never pulled", () => {
    const bundling = dashboardBundling();
    expect(bundling.image.image).toBe("node:22");
    expect(typeof bundling.local?.tryBundle).toBe("function");
  });

  // A real Vite build, so only once the dashboard's sources and `npm run build` exist.
  it.skipIf(!canBuildDashboard())("tryBundle builds the page into the asset directory, served from /app/", () => {
    const out = mkdtempSync(path.join(tmpdir(), "dashboard-build-"));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    expect(dashboardBundling().local!.tryBundle(out, { image: dashboardBundling().image })).toBe(true);
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toMatch(/\/app\/assets\/[^"']+\.js/);
    expect(readdirSync(path.join(out, "assets")).length).toBeGreaterThan(0);
  }, 120_000);
});
