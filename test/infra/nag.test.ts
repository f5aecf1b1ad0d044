import { Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/nag.js';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import { stackNameFor } from '../../lib/config/deployment-names.js';
import {
  acknowledgements,
  liveConfig,
  removeTestAssemblies,
  testApp,
  testConfig,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

describe('cdk-nag AwsSolutions checks', () => {
  describe.each([
    ['paper', testConfig()],
    ['live', liveConfig()],
  ] as const)('on a %s-mode stack', (_mode, config) => {
    it('find nothing unacknowledged, so synthesis succeeds', () => {
      const app = testApp();
      new TickfanStack(app, stackNameFor('prod'), { config, stage: 'prod' });
      addNagChecks(app);

      expect(() => app.synth()).not.toThrow();
    });
  });

  it('fail synthesis on an unacknowledged finding, naming the rule and the resource', () => {
    const app = testApp();
    const stack = new Stack(app, 'throwaway');
    new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
    addNagChecks(app);

    expect(() => app.synth()).toThrow(/throwaway\/Plain\/Resource[\s\S]*AwsSolutions-SQS2/);
  });

  it('let an acknowledged finding pass', () => {
    const app = testApp();
    const stack = new Stack(app, 'throwaway');
    const queue = new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
    for (const id of ['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']) {
      Validations.of(queue).acknowledge({ id, reason: 'a throwaway queue of this test' });
    }
    addNagChecks(app);

    expect(() => app.synth()).not.toThrow();
  });

  it('acknowledge only what cannot be fixed, each with a reason', () => {
    const app = testApp();
    const stack = new TickfanStack(app, stackNameFor('dev'), {
      config: testConfig(),
      stage: 'dev',
    });

    const acks = acknowledgements(stack);

    expect(acks.map(({ path, id }) => ({ path, id }))).toEqual([
      { path: 'tickfan-dev/TickSchedule/DeadLetterQueue', id: 'AwsSolutions-SQS3' },
    ]);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
  });
});
