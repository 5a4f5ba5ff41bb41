import { App, Stack } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { CopyTraderStack } from "../../lib/copytrader-stack.js";
import { addNagChecks } from "../../lib/nag.js";
import { readDeploySettings, sourceFrom } from "../../lib/settings.js";
import { cdkJsonContext } from "./synth.js";

/** Synthesizes the stack as bin/app.ts does, cdk-nag included; throws on any unacknowledged finding. */
const synthWithNag = (context: Record<string, unknown>): void => {
  const app = new App({ context: { ...cdkJsonContext(), ...context } });
  const settings = readDeploySettings(sourceFrom((key) => app.node.tryGetContext(key), {}));
  new CopyTraderStack(app, settings.stack.STACK_NAME, { settings, bundle: false });
  addNagChecks(app);
  app.synth();
};

describe("cdk-nag AwsSolutions", () => {
  it.each([
    ["defaults", {}],
    ["the trades stream off (no listener, no stream alarms)", { TRADES_STREAM: "off" }],
    [
      "every option on (fixed egress IP, WebSocket token, alarm email, no deletion protection)",
      { FIXED_EGRESS_IP: "true", WS_TOKEN_REQUIRED: "true", ALARM_EMAIL: "ops@example.com", DELETION_PROTECTION: "false" },
    ],
  ])("%s: no unacknowledged finding", (_, context) => {
    expect(() => synthWithNag(context)).not.toThrow();
  });

  it("does fail a synth on a finding nobody acknowledged", () => {
    const app = new App();
    new Queue(new Stack(app, "Careless"), "NoDeadLetterQueueNoSsl");
    addNagChecks(app);
    expect(() => app.synth()).toThrow();
  });
});
