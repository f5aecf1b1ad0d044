/**
 * The options every `--remote` command shares, and the AWS client settings they give. The region
 * comes from `--region`, else from the SDK's own chain (AWS_REGION, the profile's config).
 */
import { UsageError } from './args.js';

export const remoteOptions = {
  remote: {
    type: 'boolean',
    default: false,
    help: 'act on the deployed stage in AWS instead of the local state',
  },
  stage: {
    type: 'string',
    value: 'S',
    help: 'with --remote: the stage whose stack outputs name the resources (default dev)',
  },
  region: {
    type: 'string',
    value: 'REGION',
    help: 'with --remote: the AWS region (default: AWS_REGION or the profile)',
  },
} as const;

/** Settings for an AWS SDK client: the region when one was given, else the SDK's defaults. */
export function awsClientConfig(region: string | undefined): { region?: string } {
  if (region === undefined) return {};
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(
      `--region ${JSON.stringify(region)} is not an AWS region name (e.g. eu-west-1)`,
    );
  }
  return { region };
}
