/**
 * Child process of {@link startLocalAws}: dynalite and local-aws-sqs, in memory, serving the
 * bench process over loopback until it closes the channel.
 */
import { startDynalite, startSqs } from '../../lib/local/services.js';
import { serveParent } from './child-service.js';
import type { LocalAwsReady } from './local-aws.js';

const [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
serveParent(
  () => 'ok',
  () => Promise.all([dynamo.close(), sqs.close()]),
);
process.send?.({
  dynamoEndpoint: dynamo.endpoint,
  sqsEndpoint: sqs.endpoint,
} satisfies LocalAwsReady);
