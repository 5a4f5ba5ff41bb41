import { readFileSync } from "node:fs";
import path from "node:path";
import { App, CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { CopyTraderStack } from "../../lib/copytrader-stack.js";
import { REPO_ROOT } from "../../lib/house-function.js";
import { readDeploySettings, sourceFrom } from "../../lib/settings.js";

/** The context `cdk synth` sees (settings and feature flags), so tests build what the CLI builds. */
export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(path.join(REPO_ROOT, "cdk.json"), "utf8")) as { context: Record<string, unknown> }).context;

export interface Synthesized {
  app: App;
  stack: CopyTraderStack;
  template: Template;
}

/**
 * Builds the stack as bin/app.ts does, from cdk.json plus `context` overrides; `env` stands in for
 * process.env so the developer's shell cannot change what a test sees. No bundling unless asked.
 */
export const synthStack = (
  opts: { context?: Record<string, unknown>; env?: Record<string, string>; bundle?: boolean } = {},
): Synthesized => {
  const app = new App({ context: { ...cdkJsonContext(), ...opts.context } });
  const settings = readDeploySettings(sourceFrom((key) => app.node.tryGetContext(key), opts.env ?? {}));
  const stack = new CopyTraderStack(app, settings.stack.STACK_NAME, { settings, bundle: opts.bundle ?? false });
  return { app, stack, template: Template.fromStack(stack) };
};

/** The logical id CloudFormation knows a construct by (its L1 resource). */
export const logicalId = (construct: IConstruct): string => {
  const child = construct.node.defaultChild;
  if (!(child instanceof CfnElement)) throw new Error(`${construct.node.path} has no L1 resource`);
  return Stack.of(construct).getLogicalId(child);
};

/** Every logical id a CloudFormation value refers to (Ref, Fn::GetAtt), however deeply nested. */
export const referencedIds = (value: unknown): Set<string> => {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== "object") return;
    for (const [key, inner] of Object.entries(v)) {
      if (key === "Ref" && typeof inner === "string") ids.add(inner);
      else if (key === "Fn::GetAtt" && Array.isArray(inner) && typeof inner[0] === "string") ids.add(inner[0]);
      else walk(inner);
    }
  };
  walk(value);
  return ids;
};

export type CfnResource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

export const resource = (template: Template, id: string): CfnResource => {
  const found = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources[id];
  if (!found) throw new Error(`No resource ${id} in the template`);
  return found;
};

/** The IAM statements attached to a role (all inline policies CDK generated for it). */
export const statementsOfRole = (template: Template, roleId: string): Array<Record<string, any>> =>
  Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((p) => referencedIds(p.Properties.Roles).has(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);

export const actionsOf = (statement: Record<string, any>): string[] =>
  ([] as string[]).concat(statement.Action as string | string[]);
