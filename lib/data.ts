import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableV2,
  type Attribute,
  type GlobalSecondaryIndexPropsV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { ALL_TABLES, type KeyDef, type TableDef } from "#store/tables.js";

export interface DataProps {
  /** Protected tables refuse deletion and are retained when the stack is deleted. */
  deletionProtection: boolean;
}

const attribute = (key: KeyDef): Attribute => ({
  name: key.name,
  type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER,
});

const STREAM_VIEW: Record<NonNullable<TableDef["stream"]>, StreamViewType> = {
  NEW_IMAGE: StreamViewType.NEW_IMAGE,
  NEW_AND_OLD_IMAGES: StreamViewType.NEW_AND_OLD_IMAGES,
};

const PROJECTION: Record<TableDef["globalIndexes"][number]["projection"], ProjectionType> = {
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
  ALL: ProjectionType.ALL,
  INCLUDE: ProjectionType.INCLUDE,
};

/** The props of one table, all taken from its shared definition. */
const tableProps = (def: TableDef, props: DataProps) => {
  const globalSecondaryIndexes: GlobalSecondaryIndexPropsV2[] = def.globalIndexes.map((index) => ({
    indexName: index.indexName,
    partitionKey: attribute(index.partitionKey),
    ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
    projectionType: PROJECTION[index.projection],
    ...(index.nonKeyAttributes !== undefined && { nonKeyAttributes: [...index.nonKeyAttributes] }),
  }));
  return {
    partitionKey: attribute(def.partitionKey),
    ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
    globalSecondaryIndexes,
    // Traffic follows the exchange's weight budget and the number of readers: spiky and small,
    // which is what on-demand is priced for; nothing to size or autoscale.
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
    ...(def.stream ? { dynamoStream: STREAM_VIEW[def.stream] } : {}),
    deletionProtection: props.deletionProtection,
    // An unprotected stack is a throwaway one: let `cdk destroy` clean up after it.
    removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  };
};

/**
 * Every DynamoDB table, built from the shared definitions in #store/tables.js (the local runtime
 * builds its DynamoDB Local tables from the same ones). Physical names are left to CloudFormation
 * so several stacks can share an account; functions learn them through their env vars.
 */
export class Data extends Construct {
  private readonly tables = new Map<TableDef["id"], TableV2>();

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    for (const def of ALL_TABLES) {
      this.tables.set(def.id, new TableV2(this, tableConstructId(def), tableProps(def, props)));
    }
  }

  table(def: TableDef): TableV2 {
    const table = this.tables.get(def.id);
    if (!table) throw new Error(`No table for definition "${def.id}": is it missing from ALL_TABLES?`);
    return table;
  }

  all(): ReadonlyArray<{ def: TableDef; table: TableV2 }> {
    return ALL_TABLES.map((def) => ({ def, table: this.table(def) }));
  }
}

/** `traders` -> `TradersTable`: stable construct ids, so logical ids survive reordering of ALL_TABLES. */
export const tableConstructId = (def: TableDef): string =>
  `${def.id.charAt(0).toUpperCase()}${def.id.slice(1)}Table`;
