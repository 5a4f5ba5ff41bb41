import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Data, tableConstructId } from "./data.js";
import { Ingestion, pascal, type FunctionDefaults } from "./ingestion.js";
import { FUNCTION_FIXED_ENV, type DeploySettings } from "./settings.js";

export interface CopyTraderStackProps extends StackProps {
  settings: DeploySettings;
  /** false only in CDK unit tests: functions get a placeholder instead of an esbuild bundle. */
  bundle?: boolean;
}

/** Powertools service name: the same for every function, as the functions form one service. */
export const SERVICE_NAME = "hl-copytrader";

/**
 * The whole app in one stack: the tables (Data), then discovery and tracking (Ingestion). Later
 * parts (the APIs, the CDN, alarms) are further constructs that take `data` and `ingestion`.
 */
export class CopyTraderStack extends Stack {
  readonly data: Data;
  readonly ingestion: Ingestion;

  constructor(scope: Construct, id: string, props: CopyTraderStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.data = new Data(this, "Data", { deletionProtection: settings.stack.DELETION_PROTECTION });

    const functionDefaults: FunctionDefaults = {
      environment: { ...settings.appEnv, ...FUNCTION_FIXED_ENV },
      serviceName: SERVICE_NAME,
      logLevel: settings.stack.LOG_LEVEL,
      logRetention: settings.stack.LOG_RETENTION_DAYS,
      ...(props.bundle === undefined ? {} : { bundle: props.bundle }),
    };
    this.ingestion = new Ingestion(this, "Ingestion", { data: this.data, app: settings.app, functionDefaults });

    // The names a user needs to look at the data or replay a dead letter from the console or CLI.
    for (const { def, table } of this.data.all()) {
      new CfnOutput(this, tableConstructId(def), { value: table.tableName, description: `${def.envVar} (table name)` });
    }
    for (const { def, queue, deadLetterQueue } of this.ingestion.all()) {
      new CfnOutput(this, `${pascal(def.id)}QueueUrl`, { value: queue.queueUrl });
      new CfnOutput(this, `${pascal(def.id)}DeadLetterQueueUrl`, { value: deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, "ScheduleDeadLetterQueueUrl", { value: this.ingestion.scheduleDeadLetterQueue.queueUrl });
  }
}
