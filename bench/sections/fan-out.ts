import { SQSClient } from '@aws-sdk/client-sqs';
import {
  SqsSymbolQueue,
  sqsBatchSize,
  sqsSendConcurrency,
} from '../../lib/adapters/sqs-symbol-queue.js';
import type { SymbolTick } from '../../lib/domain/tick.js';
import { createSymbolQueues, localAwsClientConfig } from '../../lib/local/services.js';
import { startDelayedSqs } from '../lib/delayed-sqs.js';
import { fanOutLimitMs, fanOutRounds } from '../lib/fan-out-limit.js';
import { median, round } from '../lib/stats.js';

export interface FanOutFigures {
  readonly symbols: number;
  /** Median time to dispatch every symbol through the delaying proxy. */
  readonly ms: number;
  readonly limitMs: number;
  readonly ratio: number;
  readonly rttMs: number;
  readonly concurrency: number;
  /** Whole rounds of concurrent batches the dispatch needs at the least. */
  readonly rounds: number;
  /** Median time of the same dispatch straight to local-aws-sqs, without the added latency. */
  readonly directMs: number;
  /** SendMessageBatch calls the proxy forwarded per dispatch (retries would show here). */
  readonly callsPerDispatch: number;
  readonly repeats: number;
}

/**
 * Dispatches `symbols` symbol ticks through `SqsSymbolQueue` to local-aws-sqs, with `rttMs` added
 * to every request by a loopback proxy (both in a child process), `repeats` times after a warm-up; each dispatch goes to a
 * fresh FIFO queue with its own tick time, so deduplication never short-cuts one.
 */
export async function measureFanOut(options: {
  symbols: number;
  rttMs: number;
  repeats: number;
}): Promise<FanOutFigures> {
  const sqs = await startDelayedSqs(options.rttMs);
  const direct = new SQSClient(localAwsClientConfig(sqs.sqsEndpoint));
  const delayed = new SQSClient(localAwsClientConfig(sqs.proxyUrl));
  try {
    const symbols = Array.from(
      { length: options.symbols },
      (_, i) => `S${String(i).padStart(4, '0')}/BTC`,
    );
    let queues = 0;
    const dispatch = async (client: SQSClient, scheduledAt: number) => {
      const { queueUrl } = await createSymbolQueues(direct, {
        name: `bench-fan-out-${queues++}`,
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 18,
      });
      const queue = new SqsSymbolQueue({ queueUrl, client });
      const ticks: SymbolTick[] = symbols.map((symbol) => ({ symbol, scheduledAt }));
      const before = await sqs.requests();
      const began = performance.now();
      const result = await queue.send(ticks);
      const ms = performance.now() - began;
      const calls = (await sqs.requests()) - before;
      if (result.sent !== ticks.length) {
        throw new Error(
          `fan-out sent ${result.sent} of ${ticks.length}: ${result.failed[0]?.error ?? 'no error'}`,
        );
      }
      return { ms, calls };
    };
    const tickTime = (k: number) => Date.UTC(2018, 0, 20) + k * 300_000;
    const warmUp = await dispatch(delayed, tickTime(0));
    const batches = Math.ceil(options.symbols / sqsBatchSize);
    if (warmUp.calls < batches) {
      // The SDK may send to the queue URL's host rather than the endpoint; then nothing was delayed.
      throw new Error(`only ${warmUp.calls} of ${batches} batch calls went through the proxy`);
    }
    await dispatch(direct, tickTime(1));
    const delayedRuns: { ms: number; calls: number }[] = [];
    const directRuns: number[] = [];
    for (let k = 0; k < options.repeats; k++) {
      delayedRuns.push(await dispatch(delayed, tickTime(2 + 2 * k)));
      directRuns.push((await dispatch(direct, tickTime(3 + 2 * k))).ms);
    }
    const shape = {
      symbols: options.symbols,
      batchSize: sqsBatchSize,
      concurrency: sqsSendConcurrency,
    };
    const limitMs = fanOutLimitMs({ ...shape, rttMs: options.rttMs });
    const ms = round(median(delayedRuns.map((r) => r.ms)));
    return {
      symbols: options.symbols,
      ms,
      limitMs,
      ratio: round(ms / limitMs, 3),
      rttMs: options.rttMs,
      concurrency: sqsSendConcurrency,
      rounds: fanOutRounds(shape),
      directMs: round(median(directRuns)),
      callsPerDispatch: Math.max(...delayedRuns.map((r) => r.calls)),
      repeats: options.repeats,
    };
  } finally {
    direct.destroy();
    delayed.destroy();
    await sqs.close();
  }
}
