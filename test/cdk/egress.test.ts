import { describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../functions/catalog.js";
import { logicalId, referencedIds, resource, synthStack } from "./synth.js";

describe("fixed egress IP (FIXED_EGRESS_IP)", () => {
  it("off by default: no VPC, no NAT gateway, no function in a VPC", () => {
    const { template } = synthStack();
    expect(Object.keys(template.findResources("AWS::EC2::VPC"))).toEqual([]);
    expect(Object.keys(template.findResources("AWS::EC2::NatGateway"))).toEqual([]);
    for (const fn of Object.values(template.findResources("AWS::Lambda::Function"))) {
      expect(fn.Properties.VpcConfig).toBeUndefined();
    }
  });

  it("on: exactly the functions that call the exchange leave through one NAT gateway with the Elastic IP", () => {
    const { stack, template } = synthStack({ context: { FIXED_EGRESS_IP: "true" } });
    const egress = stack.egress!;
    const nats = Object.values(template.findResources("AWS::EC2::NatGateway"));
    expect(nats).toHaveLength(1);
    expect(referencedIds(nats[0]!.Properties.AllocationId)).toEqual(new Set([stack.getLogicalId(egress.elasticIp)]));

    const privateSubnets = new Set(egress.vpc.privateSubnets.flatMap((s) => [...referencedIds(stack.resolve(s.subnetId))]));
    for (const def of ALL_FUNCTIONS) {
      const house = stack.functions().get(def.name)!;
      const vpcConfig = resource(template, logicalId(house.fn)).Properties.VpcConfig;
      if (def.callsExchange) {
        expect(new Set(vpcConfig.SubnetIds.flatMap((id: unknown) => [...referencedIds(id)]))).toEqual(privateSubnets);
      } else {
        expect(vpcConfig, def.name).toBeUndefined();
      }
    }
    // DynamoDB traffic takes the free gateway endpoint instead of the NAT gateway.
    const endpoints = Object.values(template.findResources("AWS::EC2::VPCEndpoint"));
    expect(endpoints.map((e) => e.Properties.VpcEndpointType ?? "Gateway")).toEqual(["Gateway"]);
    expect(JSON.stringify(endpoints[0]!.Properties.ServiceName)).toContain("dynamodb");
    template.hasOutput("EgressIp", {});
  });
});
