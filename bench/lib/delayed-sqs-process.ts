/**
 * Child process of {@link startDelayedSqs}: local-aws-sqs and the delaying proxy in front of it.
 * Argument: the delay in ms.
 */
import { startSqs } from '../../lib/local/services.js';
import { serveParent } from './child-service.js';
import { startDelayProxy } from './delay-proxy.js';
import type { DelayedSqsReady } from './delayed-sqs.js';

const delayMs = Number(process.argv[2]);
if (!(delayMs >= 0)) throw new Error(`delay must be a number of ms, got ${process.argv[2]}`);
const sqs = await startSqs();
const proxy = await startDelayProxy({ target: sqs.endpoint, delayMs });
serveParent(
  () => proxy.requests,
  () => Promise.all([proxy.close(), sqs.close()]),
);
process.send?.({ sqsEndpoint: sqs.endpoint, proxyUrl: proxy.url } satisfies DelayedSqsReady);
