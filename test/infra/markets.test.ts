import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/schema.js';
import {
  actionsOf,
  liveConfig,
  logicalId,
  rawConfig,
  removeTestAssemblies,
  sharedTestStack,
  statementsOf,
  synthTestStack,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

describe('markets refresh', () => {
  it('is scheduled every markets.refreshMinutes (60 by default) to invoke the markets function', () => {
    const { stack, template } = sharedTestStack();

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(stack, stack.marketsFunction.function), 'Arn'] },
        Input: Match.serializedJson({ source: 'tickfan.markets' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
  });

  it('follows a configured refresh period', () => {
    const config = parseConfig({ ...rawConfig(), markets: { refreshMinutes: 15 } });
    const { stack, template } = synthTestStack({ config });

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(stack, stack.marketsFunction.function), 'Arn'] },
      }),
    });
  });

  it("runs the trade bundle's refresh export under its own service name", () => {
    const { stack, template } = sharedTestStack();
    const functions = template.findResources('AWS::Lambda::Function');
    const markets = functions[logicalId(stack, stack.marketsFunction.function)];
    const trade = functions[logicalId(stack, stack.tradeFunction.function)];

    expect(markets?.Properties).toMatchObject({
      Handler: 'index.refresh',
      Timeout: 60,
      MemorySize: 512,
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'tickfan-markets' } },
    });
    expect(trade?.Properties).toMatchObject({ Handler: 'index.handler' });
  });

  it('may only batch-read and batch-write the state table, read and put items whole (the selection), and read no secret', () => {
    const { stack, template } = synthTestStack({ config: liveConfig() });
    const statements = statementsOf(template, stack, stack.marketsFunction.role);
    const table = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));

    expect(actionsOf(table).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(JSON.stringify(table.map((s) => s.Resource))).toContain(
      logicalId(stack, stack.stateTable.table),
    );
    expect(JSON.stringify(statements)).not.toContain('secretsmanager');
    expect(JSON.stringify(statements)).not.toContain(
      logicalId(stack, stack.idempotencyTable.table),
    );
  });

  it('calls the exchange from the trade function’s egress network, so its weight counts on the same IP', () => {
    const { stack, template } = synthTestStack({ config: liveConfig() });
    const functions = template.findResources('AWS::Lambda::Function');
    const markets = functions[logicalId(stack, stack.marketsFunction.function)];
    const trade = functions[logicalId(stack, stack.tradeFunction.function)];

    expect(markets?.Properties.VpcConfig).toBeDefined();
    expect(markets?.Properties.VpcConfig).toEqual(trade?.Properties.VpcConfig);
  });
});
