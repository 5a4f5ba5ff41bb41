import { RemovalPolicy } from "aws-cdk-lib";
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  NatProvider,
  SubnetType,
  Vpc,
  type SubnetSelection,
} from "aws-cdk-lib/aws-ec2";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

export interface FixedEgressProps {
  logRetention: RetentionDays;
}

/**
 * One public IP for every call to the exchange. Hyperliquid limits weight per IP, and Lambda's
 * egress addresses are neither ours nor stable: functions in a VPC behind one NAT gateway with an
 * Elastic IP all leave from that address, so the shared weight budget is exactly the exchange's
 * view of us (and the address can be allow-listed).
 *
 * Off by default because it costs money while idle (README, "Fixed egress IP"): the NAT gateway
 * bills per hour and per GB, the Elastic IP per hour. DynamoDB traffic takes a gateway endpoint
 * (free) instead of the NAT gateway, so only exchange traffic pays for NAT processing.
 */
export class FixedEgress extends Construct {
  readonly vpc: Vpc;
  readonly elasticIp: CfnEIP;
  /** Where functions that call the exchange run: private subnets whose default route is the NAT gateway. */
  readonly subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, props: FixedEgressProps) {
    super(scope, id);
    this.elasticIp = new CfnEIP(this, "Ip", { domain: "vpc", tags: [{ key: "Name", value: "hl-copytrader-egress" }] });

    this.vpc = new Vpc(this, "Vpc", {
      ipAddresses: IpAddresses.cidr("10.42.0.0/20"),
      // Two zones so a zone outage does not stop tracking; one NAT gateway, because a second
      // would be a second egress address (and a second bill).
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [this.elasticIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: "egress", subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
      flowLogs: {
        // Rejected traffic only: enough to diagnose a blocked route, a fraction of the log volume.
        rejected: {
          trafficType: FlowLogTrafficType.REJECT,
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, "FlowLogs", { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
          ),
        },
      },
    });
  }
}
