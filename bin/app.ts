#!/usr/bin/env node
import { App, Tags } from "aws-cdk-lib";
import { CopyTraderStack, SERVICE_NAME } from "../lib/copytrader-stack.js";
import { addNagChecks } from "../lib/nag.js";
import { readDeploySettings, sourceFrom } from "../lib/settings.js";

/**
 * `npx cdk deploy` entry. Every setting is read from an environment variable of the same name, or
 * else CDK context (`-c KEY=value`, or the "context" block of cdk.json), or else its default in
 * functions/commons/config.ts. See lib/settings.ts for the stack's own options.
 */
const app = new App();
const settings = readDeploySettings(sourceFrom((key) => app.node.tryGetContext(key), process.env));

// Environment-agnostic on purpose: nothing here looks anything up, so the stack synthesizes
// offline and deploys into whatever account and region the CLI credentials point at.
new CopyTraderStack(app, settings.stack.STACK_NAME, {
  settings,
  description: "Hyperliquid copy-trader: discovery, tracking, leaderboard, live feed and HTTP API",
});
Tags.of(app).add("app", SERVICE_NAME); // one tag to find every resource and its cost
addNagChecks(app); // an unacknowledged AwsSolutions finding fails the synth
