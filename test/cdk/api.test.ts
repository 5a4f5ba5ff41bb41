import path from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "#api/index.js";
import { leaderboardQuery } from "#api/schemas.js";
import { ALL_TABLES, PAGES_TABLE } from "#store/tables.js";
import { HTTP_API_FUNCTION, LEADERBOARD_FUNCTION, WS_CONNECT_FUNCTION, type FunctionDef } from "../../functions/catalog.js";
import { DEFAULT_HTTP_THROTTLE, LEADERBOARD_PATHS } from "../../lib/api.js";
import { REPO_ROOT } from "../../lib/house-function.js";
import { actionsOf, logicalId, referencedIds, resource, statementsOfRole, synthStack, type Synthesized } from "./synth.js";

/** AWS's managed CachingDisabled policy: nothing is cached, whatever the origin says. */
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

/**
 * The deploying shell has its own local secrets set: they must not reach any function. One synth
 * for most of the file; WS_TOKEN_REQUIRED and the throttle settings get their own.
 */
const LOCAL_SECRETS = { ADMIN_API_KEY: "local-admin-key-0123456789", WS_TOKEN: "local-ws-token" };
let s: Synthesized;
beforeAll(() => {
  s = synthStack({ env: LOCAL_SECRETS });
}, 60_000);

const props = (id: string) => resource(s.template, id).Properties;
const apiFunctionId = () => logicalId(s.stack.api.function.fn);
const roleOf = (template: Synthesized["template"], functionId: string) =>
  [...referencedIds(resource(template, functionId).Properties.Role)][0]!;
const env = (sx: Synthesized, functionId: string): Record<string, unknown> =>
  resource(sx.template, functionId).Properties.Environment.Variables;

type Behavior = {
  PathPattern?: string;
  TargetOriginId: string;
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  AllowedMethods: string[];
  ViewerProtocolPolicy: string;
};
const distributionConfig = () => props(logicalId(s.stack.api.distribution)).DistributionConfig;

/** CloudFront path patterns: `*` any run of characters, `?` one; case-sensitive. */
const globMatches = (pattern: string, p: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(p);

/** The behaviour CloudFront picks for a path: the first matching pattern, else the default. */
const behaviorFor = (p: string): Behavior => {
  const config = distributionConfig();
  return ((config.CacheBehaviors ?? []) as Behavior[]).find((b) => globMatches(b.PathPattern!, p)) ?? config.DefaultCacheBehavior;
};

/** Every route the app serves, from its own OpenAPI document (no store is touched to build it). */
const routes = async (): Promise<Array<{ method: string; path: string; admin: boolean }>> => {
  const stub = {} as never;
  const app = createApiApp({
    traders: stub,
    directory: stub,
    events: stub,
    runState: stub,
    leaderboard: stub,
    stats: stub,
    checks: [],
    adminApiKey: undefined,
    limits: { rateLimit: false },
  });
  const doc = (await (await app.request("/openapi.json")).json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      // A concrete path, as a client sends it.
      path: template.replace(/\{[^}]+\}/g, `0x${"ab".repeat(20)}`),
      admin: op.security !== undefined,
    })),
  );
};

describe("CloudFront in front of the HTTP API", () => {
  const leaderboardPolicy = () => props(logicalId(s.stack.api.leaderboardCachePolicy)).CachePolicyConfig;
  const defaultPolicy = () => props(logicalId(s.stack.api.defaultCachePolicy)).CachePolicyConfig;

  it("the leaderboard's cache key is exactly its query parameters, as the API's schema declares them", () => {
    const keyed = leaderboardPolicy().ParametersInCacheKeyAndForwardedToOrigin;
    expect(keyed.QueryStringsConfig.QueryStringBehavior).toBe("whitelist");
    expect([...keyed.QueryStringsConfig.QueryStrings].sort()).toEqual(Object.keys(leaderboardQuery.shape).sort());
    expect([...keyed.QueryStringsConfig.QueryStrings].sort()).toEqual(
      ["cursor", "exclude_bots", "limit", "min_account_age_days", "min_trades", "min_volume_usd", "order", "sort_by", "window"],
    );
    // Nothing else splits the cache; Accept-Encoding is normalised so gzip and plain are cached apart.
    expect(keyed.HeadersConfig).toEqual({ HeaderBehavior: "none" });
    expect(keyed.CookiesConfig).toEqual({ CookieBehavior: "none" });
    expect(keyed.EnableAcceptEncodingGzip).toBe(true);
    expect(keyed.EnableAcceptEncodingBrotli).toBe(true);
  });

  it.each([
    ["leaderboard", () => leaderboardPolicy()],
    ["default", () => defaultPolicy()],
  ])("%s policy: min and default TTL 0, so the origin's Cache-Control decides (max-age=300 fits under the max)", (_, policy) => {
    expect(policy()).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(policy().MaxTTL).toBeGreaterThanOrEqual(300);
  });

  const viewerPolicyId = () => new Set([logicalId(s.stack.api.viewerOriginRequestPolicy)]);

  it("the leaderboard paths use the leaderboard policy and forward nothing but its key and the viewer's address (never the Host)", () => {
    for (const p of LEADERBOARD_PATHS) {
      const b = behaviorFor(p);
      expect(referencedIds(b.CachePolicyId)).toEqual(new Set([logicalId(s.stack.api.leaderboardCachePolicy)]));
      expect(referencedIds(b.OriginRequestPolicyId)).toEqual(viewerPolicyId());
    }
    const policy = props(logicalId(s.stack.api.viewerOriginRequestPolicy)).OriginRequestPolicyConfig;
    expect(policy.HeadersConfig).toEqual({ HeaderBehavior: "whitelist", Headers: ["CloudFront-Viewer-Address"] });
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: "none" });
    expect(policy.CookiesConfig).toEqual({ CookieBehavior: "none" });
  });

  it("every admin route is never cached and gets x-api-key, the viewer's address and every query string forwarded", async () => {
    const admin = (await routes()).filter((r) => r.admin);
    expect(admin.map((r) => `${r.method} ${r.path.replace(/0x(ab)+/, ":param")}`).sort()).toEqual([
      "DELETE /followers/:param",
      "DELETE /traders/:param/track",
      "GET /api/v1/cache/clear",
      "GET /followers",
      "GET /followers/:param",
      "GET /followers/:param/equity",
      "GET /followers/:param/orders",
      "PATCH /followers/:param",
      "POST /api/v1/cache/clear",
      "POST /followers",
      "POST /followers/:param/pause",
      "POST /followers/:param/resume",
      "POST /traders/:param/track",
      "POST /traders/track",
    ]);
    const policy = props(logicalId(s.stack.api.adminOriginRequestPolicy)).OriginRequestPolicyConfig;
    expect(policy.HeadersConfig).toEqual({ HeaderBehavior: "whitelist", Headers: ["x-api-key", "CloudFront-Viewer-Address"] });
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: "all" });
    expect(policy.CookiesConfig).toEqual({ CookieBehavior: "none" });
    for (const r of admin) {
      const b = behaviorFor(r.path);
      expect(b.CachePolicyId, `${r.method} ${r.path}`).toBe(CACHING_DISABLED);
      expect(referencedIds(b.OriginRequestPolicyId)).toEqual(new Set([logicalId(s.stack.api.adminOriginRequestPolicy)]));
      expect(b.AllowedMethods).toContain(r.method);
    }
  });

  it("every other route: keyed on all query strings, cached only if the origin asks, and no x-api-key", async () => {
    const others = (await routes()).filter((r) => !r.admin && !(LEADERBOARD_PATHS as readonly string[]).includes(r.path));
    expect(others.map((r) => r.path)).toEqual(expect.arrayContaining(["/health", "/traders", "/api/v1/stats"]));
    for (const r of others) {
      const b = behaviorFor(r.path);
      expect(referencedIds(b.CachePolicyId), r.path).toEqual(new Set([logicalId(s.stack.api.defaultCachePolicy)]));
      expect(referencedIds(b.OriginRequestPolicyId), r.path).toEqual(viewerPolicyId());
    }
    expect(defaultPolicy().ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({ QueryStringBehavior: "all" });
  });

  /** The execute-api origin; the distribution's only other origin is the dashboard's bucket (dashboard.test.ts). */
  const apiOrigin = () => {
    const origins = distributionConfig().Origins as Array<Record<string, any>>;
    const [origin, ...more] = origins.filter((o) => !referencedIds(o.DomainName).has(logicalId(s.stack.dashboard.bucket)));
    expect(more).toEqual([]);
    expect(origins).toHaveLength(2);
    return origin!;
  };

  it("every method reaches the API, over HTTPS only", () => {
    const config = distributionConfig();
    const all = [config.DefaultCacheBehavior, ...config.CacheBehaviors] as Behavior[];
    for (const b of all) expect(b.ViewerProtocolPolicy).toBe("redirect-to-https");
    const toApi = all.filter((b) => b.TargetOriginId === apiOrigin().Id);
    // Everything but the dashboard's /app and /app/* (GET and HEAD on files).
    expect(all.filter((b) => !toApi.includes(b)).map((b) => b.PathPattern)).toEqual(["/app", "/app/*"]);
    for (const b of toApi) expect(b.AllowedMethods).toEqual(expect.arrayContaining(["GET", "HEAD", "POST", "DELETE"]));
  });

  it("the origin is this API's execute-api domain, over TLS 1.2 only", () => {
    const origin = apiOrigin();
    expect(referencedIds(origin.DomainName)).toEqual(new Set([logicalId(s.stack.api.httpApi), "AWS::Region", "AWS::URLSuffix"]));
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: "https-only", OriginSSLProtocols: ["TLSv1.2"] });
  });

  it("CloudFront adds the origin secret to every request it forwards, as a dynamic reference (no value in the template)", () => {
    const headers = apiOrigin().OriginCustomHeaders as Array<{ HeaderName: string; HeaderValue: unknown }>;
    expect(headers.map((h) => h.HeaderName)).toEqual(["x-origin-verify"]);
    const value = JSON.stringify(headers[0]!.HeaderValue);
    expect(value).toContain("{{resolve:secretsmanager:");
    expect(referencedIds(headers[0]!.HeaderValue)).toEqual(new Set([logicalId(s.stack.api.originSecret)]));
    expect(props(logicalId(s.stack.api.originSecret)).GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 40 });
  });

  it("cheapest price class; client errors are never served from the edge", () => {
    const config = distributionConfig();
    expect(config.PriceClass).toBe("PriceClass_100");
    for (const code of [400, 403, 404]) {
      expect(config.CustomErrorResponses).toContainEqual({ ErrorCode: code, ErrorCachingMinTTL: 0 });
    }
  });
});

describe("API Gateway HTTP API", () => {
  it("one $default route to the function, payload format 2.0", () => {
    const routesOf = Object.values(s.template.findResources("AWS::ApiGatewayV2::Route")).filter((r) =>
      referencedIds(r.Properties.ApiId).has(logicalId(s.stack.api.httpApi)),
    );
    expect(routesOf.map((r) => r.Properties.RouteKey)).toEqual(["$default"]);
    const [integrationId] = referencedIds(routesOf[0]!.Properties.Target);
    expect(props(integrationId!)).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
    expect(referencedIds(props(integrationId!).IntegrationUri)).toEqual(new Set([apiFunctionId()]));
  });

  it("the $default stage is throttled and logs every request to its own log group", () => {
    const stage = props(logicalId(s.stack.api.stage));
    expect(stage).toMatchObject({ StageName: "$default", AutoDeploy: true });
    expect(stage.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: DEFAULT_HTTP_THROTTLE.rateLimit,
      ThrottlingBurstLimit: DEFAULT_HTTP_THROTTLE.burstLimit,
    });
    expect(referencedIds(stage.AccessLogSettings.DestinationArn)).toEqual(new Set([logicalId(s.stack.api.accessLogs)]));
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
    expect(props(logicalId(s.stack.api.accessLogs)).RetentionInDays).toBe(30);
  });

  it("the throttle comes from the settings", () => {
    const custom = synthStack({ context: { HTTP_API_RATE_LIMIT: 20, HTTP_API_BURST_LIMIT: "40" } });
    expect(resource(custom.template, logicalId(custom.stack.api.stage)).Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
  }, 60_000);
});

describe("secrets", () => {
  const secretStatements = (template: Synthesized["template"], functionId: string) =>
    statementsOfRole(template, roleOf(template, functionId)).filter((st) => actionsOf(st).some((a) => a.startsWith("secretsmanager:")));

  it("the admin key is generated in Secrets Manager, its value in no template", () => {
    const secret = props(logicalId(s.stack.api.adminKeySecret));
    expect(secret.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 40 });
    expect(secret.SecretString).toBeUndefined();
    expect(JSON.stringify(s.template.toJSON())).not.toContain(LOCAL_SECRETS.ADMIN_API_KEY);
    expect(JSON.stringify(s.template.toJSON())).not.toContain(LOCAL_SECRETS.WS_TOKEN);
  });

  it("the HTTP API function gets the secret's ARN, never a value", () => {
    const variables = env(s, apiFunctionId());
    expect(referencedIds(variables.ADMIN_API_KEY_SECRET_ARN)).toEqual(new Set([logicalId(s.stack.api.adminKeySecret)]));
    expect(referencedIds(variables.ORIGIN_SECRET_SECRET_ARN)).toEqual(new Set([logicalId(s.stack.api.originSecret)]));
    expect(variables.ORIGIN_SECRET).toBeUndefined();
    for (const house of [s.stack.api.function, ...s.stack.functions().values()]) {
      const v = env(s, logicalId(house.fn));
      expect(v.ADMIN_API_KEY, house.def.name).toBeUndefined();
      expect(v.WS_TOKEN, house.def.name).toBeUndefined();
    }
  });

  it("only the HTTP API function may read the admin key and the origin secret: GetSecretValue on those, nothing else", () => {
    expect(secretStatements(s.template, apiFunctionId())).toEqual([
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [s.stack.api.adminKeySecret, s.stack.api.originSecret].map((secret) => ({ Ref: logicalId(secret) })),
      },
    ]);
    for (const house of s.stack.functions().values()) {
      if (house === s.stack.api.function) continue;
      expect(secretStatements(s.template, logicalId(house.fn)), house.def.name).toEqual([]);
    }
  });

  it("no WebSocket token unless WS_TOKEN_REQUIRED", () => {
    expect(s.stack.wsTokenSecret).toBeUndefined();
    const connect = s.stack.functions().get(WS_CONNECT_FUNCTION.name)!;
    expect(env(s, logicalId(connect.fn)).WS_TOKEN_SECRET_ARN).toBeUndefined();
    expect(Object.keys(s.template.findResources("AWS::SecretsManager::Secret")).sort()).toEqual(
      [logicalId(s.stack.api.adminKeySecret), logicalId(s.stack.api.originSecret)].sort(),
    );
  });

  it("WS_TOKEN_REQUIRED: a generated token that only ws-connect can read, by ARN", () => {
    const t = synthStack({ context: { WS_TOKEN_REQUIRED: true } });
    const secretId = logicalId(t.stack.wsTokenSecret!);
    expect(resource(t.template, secretId).Properties.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 40 });
    for (const house of [t.stack.api.function, ...t.stack.functions().values()]) {
      const id = logicalId(house.fn);
      const reads = secretStatements(t.template, id).filter((st) => referencedIds(st.Resource).has(secretId));
      if (house.def === WS_CONNECT_FUNCTION) {
        expect(referencedIds(env(t, id).WS_TOKEN_SECRET_ARN)).toEqual(new Set([secretId]));
        expect(reads.flatMap(actionsOf)).toEqual(["secretsmanager:GetSecretValue"]);
      } else {
        expect(env(t, id).WS_TOKEN_SECRET_ARN, house.def.name).toBeUndefined();
        expect(reads, house.def.name).toEqual([]);
      }
    }
    expect(t.template.toJSON().Outputs.WsTokenSecretName).toBeDefined();
  }, 60_000);
});

describe("the HTTP API function", () => {
  it("writes only the traders and followers tables (and the budget ledger's items); reads events, state, connections and the trader pages (never the fills); never administers a table", () => {
    const tableId = (id: string) => logicalId(s.stack.data.table(ALL_TABLES.find((t) => t.id === id)!));
    const dynamo = statementsOfRole(s.template, roleOf(s.template, apiFunctionId())).filter((st) =>
      actionsOf(st).some((a) => a.startsWith("dynamodb:")),
    );
    const writes = (st: Record<string, any>) => actionsOf(st).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
    const reached = (write: boolean) =>
      new Set(dynamo.filter((st) => writes(st) === write && st.Condition === undefined).flatMap((st) => [...referencedIds(st.Resource)]));
    expect(reached(true)).toEqual(new Set([tableId("traders"), tableId("followers")]));
    expect(reached(false)).toEqual(new Set(["traders", "events", "state", "connections", "pages", "followers"].map(tableId)));
    // The one write outside the traders table: leasing allMids weight on the state table's ledger partition.
    const leases = dynamo.filter((st) => actionsOf(st).includes("dynamodb:UpdateItem") && !actionsOf(st).includes("dynamodb:PutItem"));
    expect(leases.map((st) => [actionsOf(st), [...referencedIds(st.Resource)], st.Condition])).toEqual([
      [["dynamodb:UpdateItem"], [tableId("state")], { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["budget"] } }],
    ]);
    for (const action of dynamo.flatMap(actionsOf)) expect(action).not.toMatch(/^dynamodb:(Delete|Create|Update)Table/);
    // Every table the function can reach has its env var, and only those.
    const variables = env(s, apiFunctionId());
    for (const t of ALL_TABLES) {
      const reachable = [...HTTP_API_FUNCTION.tables, ...(HTTP_API_FUNCTION.readsOnly ?? [])].includes(t);
      expect(variables[t.envVar] !== undefined, t.envVar).toBe(reachable);
    }
  });

  it("may call exactly the DynamoDB actions its code sends, per table and index, nothing more", () => {
    const tableOf = new Map(ALL_TABLES.map((t) => [logicalId(s.stack.data.table(t)), t.id]));
    /** A resource as text: `traders`, `traders/index/active-index` (`traders/index/*` for a wildcard). */
    const render = (v: unknown): string => {
      if (typeof v === "string") return v;
      const o = v as Record<string, any>;
      if (Array.isArray(o["Fn::GetAtt"]) && o["Fn::GetAtt"][1] === "Arn") return tableOf.get(o["Fn::GetAtt"][0]) ?? o["Fn::GetAtt"][0];
      if (Array.isArray(o["Fn::Join"])) return (o["Fn::Join"][1] as unknown[]).map(render).join(o["Fn::Join"][0] as string);
      return JSON.stringify(v);
    };
    const granted = new Map<string, Set<string>>();
    for (const st of statementsOfRole(s.template, roleOf(s.template, apiFunctionId()))) {
      if (st.Effect !== "Allow" || !actionsOf(st).some((a) => a.startsWith("dynamodb:"))) continue;
      for (const r of ([] as unknown[]).concat(st.Resource)) {
        const key = render(r) + (st.Condition === undefined ? "" : ` if ${JSON.stringify(st.Condition)}`);
        const actions = granted.get(key) ?? new Set<string>();
        for (const a of actionsOf(st)) actions.add(a.replace(/^dynamodb:/, ""));
        granted.set(key, actions);
      }
    }
    // Derived from the code (catalog.ts's HTTP_API_FUNCTION.access says which call needs which);
    // test/integration/api-access.test.ts checks every route sends nothing else.
    expect(Object.fromEntries([...granted].map(([r, a]) => [r, [...a].sort()]))).toEqual({
      traders: ["DescribeTable", "GetItem", "PutItem", "Scan", "UpdateItem"],
      "traders/index/active-index": ["Query"],
      events: ["DescribeTable", "Query"],
      // The trader page: precomputed by the leaderboard job; the fills are not the API's to read.
      pages: ["GetItem", "Query"],
      state: ["BatchGetItem", "GetItem"],
      [`state if ${JSON.stringify({ "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["budget"] } })}`]: ["UpdateItem"],
      connections: ["DescribeTable"],
      // /followers: config and links written in transactions (IAM authorizes their items' actions).
      followers: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query"],
      "followers/index/leader-index": ["Query"],
    });
  });

  it("the trader pages: written by the leaderboard job alone, read by the API with GetItem and Query only", () => {
    const pages = logicalId(s.stack.data.table(PAGES_TABLE));
    const writers = [s.stack.api.function, ...s.stack.functions().values()].filter((house) =>
      statementsOfRole(s.template, roleOf(s.template, logicalId(house.fn))).some(
        (st) => referencedIds(st.Resource).has(pages) && actionsOf(st).some((a) => /^dynamodb:(Put|BatchWrite|Delete)/.test(a)),
      ),
    );
    expect(writers.map((house) => house.def.name)).toEqual([LEADERBOARD_FUNCTION.name]);
    const leaderboard = s.stack.functions().get(LEADERBOARD_FUNCTION.name)!;
    expect(env(s, logicalId(leaderboard.fn)).PAGES_TABLE).toBeDefined();
  });

  it("stack outputs: the CloudFront URL (the direct execute-api URL is no public door) and where the admin key is", () => {
    const outputs = s.template.toJSON().Outputs;
    expect(outputs.HttpApiUrl).toBeUndefined();
    expect(outputs.CloudFrontUrl.Value["Fn::Join"][1][0]).toBe("https://");
    expect(referencedIds(outputs.CloudFrontUrl.Value)).toEqual(new Set([logicalId(s.stack.api.distribution)]));
    expect(referencedIds(outputs.AdminKeySecretName.Value)).toEqual(new Set([logicalId(s.stack.api.adminKeySecret)]));
    expect(outputs.AdminKeySecretName.Description).toContain("aws secretsmanager get-secret-value --secret-id");
  });
});

/** esbuild's export list for the bundle Lambda runs: the module bundles (top-level await included) and exports the handler. */
const exportsOf = async (def: FunctionDef): Promise<string[]> => {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, def.entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "silent",
  });
  return Object.values(result.metafile.outputs).flatMap((o) => o.exports);
};

describe("handlers that read secrets at cold start bundle as ESM with top-level await", () => {
  it.each([HTTP_API_FUNCTION, WS_CONNECT_FUNCTION].map((d) => [d.entry, d] as const))("%s exports its handler", async (_, def) => {
    expect(await exportsOf(def)).toContain(def.handler);
  }, 30_000);
});
