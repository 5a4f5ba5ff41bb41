import { Validations, type App } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";

/**
 * cdk-nag's AwsSolutions pack on every synth (`cdk synth`, `cdk deploy`, and the CDK tests): a
 * finding fails the synth unless the construct it is about acknowledges it with a reason. The
 * acknowledgements sit next to the decisions they explain (lib/house-function.ts, lib/feed.ts,
 * lib/api.ts, lib/ingestion.ts).
 */
export const addNagChecks = (app: App): void => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
};
