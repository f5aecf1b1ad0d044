import type {
  CloudFormationClient,
  DescribeStacksCommandOutput,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import {
  defaultStage,
  describeStacksInput,
  parseStackOutputs,
  StackOutputKeys,
  StackOutputsError,
  stackEgressIps,
  stackNameFor,
  stackOutputs,
} from '../../../lib/cli/remote/stack-outputs.js';
import { metricNamespaceFor } from '../../../lib/config/deployment-names.js';

/** A DescribeStacks response as CloudFormation sends it for a deployed tickfan stack. */
function describeStacksResponse(
  outputs: Record<string, string>,
  status: StackStatus = 'UPDATE_COMPLETE',
): Pick<DescribeStacksCommandOutput, 'Stacks'> {
  return {
    Stacks: [
      {
        StackName: 'tickfan-prod',
        StackId:
          'arn:aws:cloudformation:eu-central-1:123456789012:stack/tickfan-prod/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
        CreationTime: new Date('2025-01-01T00:00:00Z'),
        StackStatus: status,
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
          OutputKey,
          OutputValue,
        })),
      },
    ],
  };
}

const deployed = {
  TradeFunctionName: 'tickfan-prod-TradeFunction1A2B3C4D-AbCdEfGhIjKl',
  FanOutFunctionName: 'tickfan-prod-FanOutFunction5E6F7A8B-MnOpQrStUvWx',
  MarketsFunctionName: 'tickfan-prod-MarketsFunction9C8D7E6F-AbCdEfGhIjKl',
  QueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/tickfan-prod-SymbolQueue-abc.fifo',
  DeadLetterQueueUrl:
    'https://sqs.eu-central-1.amazonaws.com/123456789012/tickfan-prod-SymbolQueueDLQ-def.fifo',
  ScheduleDeadLetterQueueUrl:
    'https://sqs.eu-central-1.amazonaws.com/123456789012/tickfan-prod-TickScheduleDLQ-ghi',
  StateTableName: 'tickfan-prod-StateTable8C4E6068-1A2B3C4D5E6F',
  IdempotencyTableName: 'tickfan-prod-IdempotencyTableE9369C9C-7A8B9C0D1E2F',
  DashboardUrl:
    'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards:name=tickfan-prod-eu-central-1',
  AlarmTopicArn: 'arn:aws:sns:eu-central-1:123456789012:tickfan-prod-AlarmTopic-XyZ',
  MetricNamespace: 'tickfan/prod',
};

describe('stage names', () => {
  it('names the stack and the metric namespace after the stage', () => {
    expect(stackNameFor('prod')).toBe('tickfan-prod');
    expect(metricNamespaceFor('prod')).toBe('tickfan/prod');
    expect(stackNameFor(defaultStage)).toBe('tickfan-dev');
  });
});

describe('describeStacksInput', () => {
  it('asks for the one stack by name', () => {
    expect(describeStacksInput('tickfan-prod')).toEqual({ StackName: 'tickfan-prod' });
  });
});

describe('parseStackOutputs', () => {
  it('returns every output by its key', () => {
    const outputs = parseStackOutputs('tickfan-prod', describeStacksResponse(deployed));

    expect(outputs).toEqual(deployed);
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(StackOutputKeys).sort());
  });

  it('ignores outputs tickfan does not know', () => {
    const outputs = parseStackOutputs(
      'tickfan-prod',
      describeStacksResponse({ ...deployed, SomethingElse: 'x' }),
    );

    expect(outputs).not.toHaveProperty('SomethingElse');
  });

  it('names each missing output and the stack status', () => {
    const { StateTableName: _s, AlarmTopicArn: _a, ...older } = deployed;

    expect(() =>
      parseStackOutputs('tickfan-prod', describeStacksResponse(older, 'CREATE_IN_PROGRESS')),
    ).toThrow(
      new StackOutputsError(
        'stack tickfan-prod (status CREATE_IN_PROGRESS) has no output StateTableName, ' +
          'AlarmTopicArn: deploy the current version with cdk deploy',
      ),
    );
  });

  it('names the stack when the response holds none', () => {
    expect(() => parseStackOutputs('tickfan-qa', { Stacks: [] })).toThrow(
      /stack tickfan-qa was not found/,
    );
  });
});

describe('stackOutputs', () => {
  it('sends DescribeStacks for the stack and parses the answer', async () => {
    const sent: unknown[] = [];
    const client = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return describeStacksResponse(deployed);
      },
    } as unknown as CloudFormationClient;

    const outputs = await stackOutputs('tickfan-prod', client);

    expect(sent).toEqual([{ StackName: 'tickfan-prod' }]);
    expect(outputs.TradeFunctionName).toBe(deployed.TradeFunctionName);
  });

  it('says which stack does not exist, and where to look', async () => {
    const missing = Object.assign(new Error('Stack with id tickfan-qa does not exist'), {
      name: 'ValidationError',
    });
    const client = {
      send: async () => {
        throw missing;
      },
    } as unknown as CloudFormationClient;

    await expect(stackOutputs('tickfan-qa', client)).rejects.toThrow(
      /stack tickfan-qa does not exist in this account and region/,
    );
  });

  it('passes any other error through', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    const client = {
      send: async () => {
        throw denied;
      },
    } as unknown as CloudFormationClient;

    await expect(stackOutputs('tickfan-qa', client)).rejects.toBe(denied);
  });
});

describe('stackEgressIps', () => {
  const clientAnswering = (outputs: Record<string, string>) =>
    ({ send: async () => describeStacksResponse(outputs) }) as unknown as CloudFormationClient;

  it('reads every EgressIp output of a stack deployed with the static egress IP, in order', async () => {
    const client = clientAnswering({
      ...deployed,
      EgressIp2: '198.51.100.9',
      EgressIp1: '203.0.113.7',
    });

    expect(await stackEgressIps('tickfan-prod', client)).toEqual(['203.0.113.7', '198.51.100.9']);
  });

  it('finds none on a stack deployed without it', async () => {
    expect(await stackEgressIps('tickfan-prod', clientAnswering(deployed))).toEqual([]);
  });
});
