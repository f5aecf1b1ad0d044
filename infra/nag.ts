import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs the cdk-nag AwsSolutions rules over every stack of `app` when it synthesizes. An
 * unacknowledged finding fails the synthesis (`cdk synth` exits 1; `app.synth()` throws).
 * Acknowledgements sit next to the resource they concern, each with its reason
 * (`Validations.of(construct).acknowledge({ id, reason })`), and are copied into the template as
 * the resource's `cdk_nag` metadata, so a reviewer of the deployed template sees them too.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}
