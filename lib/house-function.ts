import path from "node:path";
import { fileURLToPath } from "node:url";
import { ArnFormat, CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Architecture, Code, Function as LambdaFunction, Runtime, type FunctionProps } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { QueueDef } from "#commons/queues.js";
import type { TableDef } from "#store/tables.js";
import type { DynamoAction, FunctionDef } from "../functions/catalog.js";
import { BUDGET_LEDGER_PK } from "#hyperliquid/dynamo-ledger.js";
import type { FixedEgress } from "./egress.js";

/** Actions that change items: never granted on a table the catalog lists as read-only. */
const WRITE_ACTIONS: ReadonlySet<DynamoAction> = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/** The repository root: catalog entries are paths from here, and esbuild resolves `#` aliases from its package.json. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Finds the deployed resource for a shared definition (the construct that owns it answers). */
export interface ResourceLookup {
  table(def: TableDef): ITableV2;
  queue(def: QueueDef): IQueue;
}

export interface HouseFunctionProps {
  def: FunctionDef;
  resources: ResourceLookup;
  /** Settings every function of the app shares (validated by lib/settings.ts). */
  environment: Readonly<Record<string, string>>;
  /** Powertools service name: one per app, the function name is already on every log line. */
  serviceName: string;
  logLevel: string;
  logRetention?: RetentionDays;
  /** Logs already expire; retaining the group would only orphan it when the stack goes. */
  logRemovalPolicy?: RemovalPolicy;
  /** When set, functions that call the exchange run in its VPC and leave through its one IP. */
  egress?: FixedEgress;
  /**
   * COPY_AGENT_SECRET_PREFIX (validated by lib/settings.ts): a function whose catalog entry
   * `readsAgentSecrets` may read the secrets under it, and gets it in its environment; no other does.
   */
  agentSecretPrefix?: string;
  /**
   * false: deploy a placeholder instead of bundling `def.entry` (CDK unit tests only, where the
   * handler may not exist yet and esbuild would dominate the run time). Everything else is identical.
   */
  bundle?: boolean;
}

/**
 * The ESM bundle still contains CommonJS dependencies that call `require`; ESM has none, so the
 * banner gives them one. Aliased import so it cannot clash with a bundled `createRequire`.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __houseCreateRequire } from 'node:module'; const require = __houseCreateRequire(import.meta.url);";

/**
 * One house construct for every Lambda: it fixes the defaults (arm64, Node 22, ESM bundle with
 * source maps, an explicit log group with retention, Powertools env) and wires the function to the
 * tables and queues its catalog entry names, with the grant and the env var in one place, so a
 * function can never get an env var without the permission or the other way round.
 */
export class HouseFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly def: FunctionDef;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    const { def } = props;
    this.def = def;

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    const common = {
      description: `${def.name} (${def.entry})`,
      architecture: Architecture.ARM_64, // cheaper per GB-second and fast enough for I/O-bound work
      runtime: Runtime.NODEJS_22_X,
      timeout: Duration.seconds(def.timeoutSeconds),
      memorySize: def.memoryMb,
      logGroup: this.logGroup,
      ...(def.callsExchange && props.egress ? { vpc: props.egress.vpc, vpcSubnets: props.egress.subnets } : {}),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        LOG_LEVEL: props.logLevel,
        // Stack traces point into the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: "--enable-source-maps",
      },
    } satisfies Partial<FunctionProps>;

    this.fn =
      props.bundle === false
        ? new LambdaFunction(this, "Function", {
            ...common,
            handler: `index.${def.handler}`,
            // Inline code is saved as CommonJS index.js; it is never deployed, only synthesized.
            code: Code.fromInline(`exports.${def.handler} = async () => { throw new Error("placeholder"); };`),
          })
        : new NodejsFunction(this, "Function", {
            ...common,
            entry: path.join(REPO_ROOT, def.entry),
            handler: def.handler,
            projectRoot: REPO_ROOT,
            depsLockFilePath: path.join(REPO_ROOT, "package-lock.json"),
            bundling: {
              format: OutputFormat.ESM,
              target: "node22",
              mainFields: ["module", "main"], // prefer ESM builds of dependencies: better tree-shaking
              minify: true,
              keepNames: true, // error classes name themselves after `new.target.name`; logs must not say `$a`
              sourceMap: true,
              sourcesContent: false, // the map only needs to locate lines; keeps the zip small
              banner: ESM_REQUIRE_BANNER,
              // Bundle our pinned SDK rather than use the runtime's copy, so the cloud runs the
              // version the local runtime and the tests ran.
              bundleAwsSDK: true,
              forceDockerBundling: false, // the esbuild in devDependencies; no Docker needed to deploy
            },
          });

    this.connect(props.resources);
    if (def.readsAgentSecrets) this.grantAgentSecretReads(props.agentSecretPrefix);
    this.acknowledgeHouseDecisions();
  }

  /** cdk-nag (AwsSolutions) findings every function shares, each a decision with its reason. */
  private acknowledgeHouseDecisions(): void {
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "AWS's policy for writing the function's own logs; the log group is explicit and the policy only allows log writes.",
    });
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
      reason: "Only with FIXED_EGRESS_IP: AWS's policy that lets Lambda attach the function's network interfaces in the VPC.",
    });
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "nodejs22.x on purpose: the local runtime, the tests and CI run Node 20/22, and the bundle targets node22; a newer " +
        "runtime is a deliberate upgrade, not a default.",
    });
  }

  /**
   * Grants exactly the catalog's tables (read/write or read, or the listed actions where the
   * catalog has them) and queues (send) and sets their env vars.
   */
  private connect(resources: ResourceLookup): void {
    this.checkAccessNamesItsTables();
    for (const tableDef of this.def.tables) {
      const table = resources.table(tableDef);
      if (!this.grantListedActions(tableDef, table, { readOnly: false })) {
        table.grantReadWriteData(this.fn);
        this.acknowledgeIndexes(tableDef, table);
      }
      this.fn.addEnvironment(tableDef.envVar, table.tableName);
    }
    for (const tableDef of this.def.readsOnly ?? []) {
      if (this.def.tables.includes(tableDef)) {
        throw new Error(`${this.def.name}: table "${tableDef.id}" is in both tables and readsOnly`);
      }
      const table = resources.table(tableDef);
      if (!this.grantListedActions(tableDef, table, { readOnly: true })) {
        table.grantReadData(this.fn);
        this.acknowledgeIndexes(tableDef, table);
      }
      this.fn.addEnvironment(tableDef.envVar, table.tableName);
    }
    const ledger = this.def.leasesBudgetIn;
    if (ledger && !this.def.tables.includes(ledger)) {
      const table = resources.table(ledger);
      const readsTable = (this.def.readsOnly ?? []).includes(ledger);
      this.grantBudgetLeases(table, { readsLedger: !readsTable });
      // The ledger finds its table by the same variable as every other reader of it.
      if (!readsTable) this.fn.addEnvironment(ledger.envVar, table.tableName);
    }
    for (const queueDef of this.def.sendsTo) {
      const queue = resources.queue(queueDef);
      queue.grantSendMessages(this.fn);
      this.fn.addEnvironment(queueDef.envVar, queue.queueUrl);
    }
  }

  /**
   * Live followers' agent keys are secrets named `<prefix><anything>` (the user creates them;
   * `agent_key_ref` = `secretsmanager:<name>`): GetSecretValue on exactly those names, the only
   * Secrets Manager call the engine makes. Secrets Manager appends `-` and 6 random characters to
   * every ARN, so the grant's `*` is also what covers those. Encrypted with the account's
   * `aws/secretsmanager` key, they need no KMS grant; a secret with a key of its own stays unreadable.
   */
  private grantAgentSecretReads(prefix: string | undefined): void {
    if (prefix === undefined) throw new Error(`${this.def.name} reads agent secrets: the stack must give it COPY_AGENT_SECRET_PREFIX`);
    const resourceName = `${prefix}*`;
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [Stack.of(this).formatArn({ service: "secretsmanager", resource: "secret", resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
    this.fn.addEnvironment("COPY_AGENT_SECRET_PREFIX", prefix);
    Validations.of(this.fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${resourceName}]`,
      reason:
        "Followers' agent wallet keys are created by their owners under COPY_AGENT_SECRET_PREFIX (a path of its own, checked at " +
        "synth), so their names are not known to the stack; read-only, for this function alone.",
    });
  }

  /** An `access` list must cover every table the function reaches, and only those. */
  private checkAccessNamesItsTables(): void {
    if (this.def.access === undefined) return;
    const reached = [...this.def.tables, ...(this.def.readsOnly ?? [])].map((t) => t.id).sort();
    const listed = Object.keys(this.def.access).sort();
    if (JSON.stringify(reached) !== JSON.stringify(listed)) {
      throw new Error(`${this.def.name}: access lists ${listed.join(", ")}; tables and readsOnly are ${reached.join(", ")}`);
    }
  }

  /**
   * The catalog's exact actions on one table, if it lists them (false: it does not, use the broad
   * grant). Indexes get Query on their own ARNs, so no wildcard needs acknowledging.
   */
  private grantListedActions(def: TableDef, table: ITableV2, opts: { readOnly: boolean }): boolean {
    const access = this.def.access?.[def.id];
    if (access === undefined) return false;
    const writes = access.actions.filter((a) => WRITE_ACTIONS.has(a));
    if (opts.readOnly && writes.length > 0) {
      throw new Error(`${this.def.name}: "${def.id}" is in readsOnly, yet access lists ${writes.join(", ")}`);
    }
    const indexes = access.queriesIndexes ?? [];
    for (const name of indexes) {
      if (!def.globalIndexes.some((i) => i.indexName === name)) throw new Error(`${this.def.name}: "${def.id}" has no index "${name}"`);
    }
    if (access.actions.length > 0) {
      this.fn.addToRolePolicy(new PolicyStatement({ actions: access.actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
    }
    if (indexes.length > 0) {
      this.fn.addToRolePolicy(
        new PolicyStatement({ actions: ["dynamodb:Query"], resources: indexes.map((name) => `${table.tableArn}/index/${name}`) }),
      );
    }
    return true;
  }

  /**
   * A lease is one conditional UpdateItem, after a GetItem of the previous window. LeadingKeys pins
   * them to the ledger's partition, so a read-only function cannot touch snapshots, cursors or
   * anything else in the table. The GetItem is granted here only when the function does not read
   * the table anyway (readsOnly): the copy worker reads nothing else of the state table.
   */
  private grantBudgetLeases(table: ITableV2, o: { readsLedger: boolean }): void {
    const onLedger = { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [BUDGET_LEDGER_PK] } };
    const actions = o.readsLedger ? ["dynamodb:GetItem", "dynamodb:UpdateItem"] : ["dynamodb:UpdateItem"];
    this.fn.addToRolePolicy(new PolicyStatement({ actions, resources: [table.tableArn], conditions: onLedger }));
  }

  /** Table grants include `<table>/index/*`: the names of the table's own indexes, not other tables. */
  private acknowledgeIndexes(def: TableDef, table: ITableV2): void {
    if (def.globalIndexes.length === 0) return;
    const cfn = table.node.defaultChild;
    if (!(cfn instanceof CfnElement)) return;
    Validations.of(this.fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(cfn)}.Arn>/index/*]`,
      reason: `Queries of ${def.id}'s own secondary indexes (${def.globalIndexes.map((i) => i.indexName).join(", ")}); no other table.`,
    });
  }
}
