/**
 * Reads a deployed tickfan stack's outputs, so remote commands find the function, table and queue
 * names of a stage without anyone copying them from the console:
 *
 * ```ts
 * const outputs = await stackOutputs(stackNameFor('prod'));
 * await invokeRemote(outputs.TradeFunctionName, { symbol: 'LTC/BTC' });
 * ```
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandInput,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';

import {
  egressIpsFrom,
  type StackOutputKey,
  StackOutputKeys,
} from '../../config/deployment-names.js';

export {
  defaultStage,
  type StackOutputKey,
  StackOutputKeys,
  stackNameFor,
} from '../../config/deployment-names.js';

/** A deployed stack's outputs, one string per {@link StackOutputKeys} entry. */
export type StackOutputs = { readonly [K in StackOutputKey]: string };

/** A stack that does not exist, is not deployed completely, or lacks an output tickfan needs. */
export class StackOutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackOutputsError';
  }
}

/** The DescribeStacks request for one stack. */
export function describeStacksInput(stackName: string): DescribeStacksCommandInput {
  return { StackName: stackName };
}

/**
 * The typed outputs in a DescribeStacks response; throws {@link StackOutputsError} naming the
 * stack and every output it lacks.
 */
export function parseStackOutputs(
  stackName: string,
  response: Pick<DescribeStacksCommandOutput, 'Stacks'>,
): StackOutputs {
  const stack = response.Stacks?.[0];
  if (stack === undefined) {
    throw new StackOutputsError(`stack ${stackName} was not found: deploy it with cdk deploy`);
  }
  const values = new Map<string, string>();
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
      values.set(output.OutputKey, output.OutputValue);
    }
  }
  const keys = Object.keys(StackOutputKeys) as StackOutputKey[];
  const missing = keys.filter((key) => !values.has(key));
  if (missing.length > 0) {
    // A stack still being created or rolled back has no (or old) outputs; say so.
    const status = stack.StackStatus === undefined ? '' : ` (status ${stack.StackStatus})`;
    throw new StackOutputsError(
      `stack ${stackName}${status} has no output ${missing.join(', ')}: ` +
        'deploy the current version with cdk deploy',
    );
  }
  return Object.fromEntries(keys.map((key) => [key, values.get(key) ?? ''])) as StackOutputs;
}

/** True for the error CloudFormation answers DescribeStacks with when the stack does not exist. */
function isMissingStack(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationError' &&
    /does not exist/.test(error.message)
  );
}

/** DescribeStacks of `stackName`, a missing stack said in one line. */
async function describeStack(
  stackName: string,
  client: CloudFormationClient,
): Promise<DescribeStacksCommandOutput> {
  try {
    return await client.send(new DescribeStacksCommand(describeStacksInput(stackName)));
  } catch (error) {
    if (isMissingStack(error)) {
      throw new StackOutputsError(
        `stack ${stackName} does not exist in this account and region: ` +
          'check AWS_PROFILE / AWS_REGION, or deploy it with cdk deploy',
      );
    }
    throw error;
  }
}

/**
 * Fetches the outputs of a deployed tickfan stack (e.g. `stackNameFor('prod')`) with the
 * ambient AWS credentials and region, or the given client.
 */
export async function stackOutputs(
  stackName: string,
  client: CloudFormationClient = new CloudFormationClient({}),
): Promise<StackOutputs> {
  return parseStackOutputs(stackName, await describeStack(stackName, client));
}

/**
 * The addresses a deployed stack's trade function reaches the exchange from (its `EgressIp`
 * outputs); none when it was deployed without `network.staticEgressIp`.
 */
export async function stackEgressIps(
  stackName: string,
  client: CloudFormationClient = new CloudFormationClient({}),
): Promise<string[]> {
  const response = await describeStack(stackName, client);
  const outputs: Record<string, string> = {};
  for (const output of response.Stacks?.[0]?.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
      outputs[output.OutputKey] = output.OutputValue;
    }
  }
  return egressIpsFrom(outputs);
}
