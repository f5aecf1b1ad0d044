import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { SqsSymbolQueue } from '../../lib/adapters/sqs-symbol-queue.js';
import { type BotConfig, parseConfig } from '../../lib/config/schema.js';
import { healthyState } from '../../lib/domain/symbol-health.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import { createSymbolQueues, localAwsClientConfig } from '../../lib/local/services.js';
import { percentile } from '../../lib/stats/percentile.js';
import { fanOutTick } from '../../lib/use-cases/fan-out-tick.js';
import { startLocalAws } from '../lib/local-aws.js';
import { round } from '../lib/stats.js';

/** One fan-out of every symbol's tick, timed around `fanOutTick` with the shipped adapters. */
export interface ScaleFanOutFigures {
  readonly symbols: number;
  /** Timed fan-outs, after one warm-up. */
  readonly repeats: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** CPU (user + system) of this process per fan-out, median: what the Lambda's share must run. */
  readonly cpuP50Ms: number;
  /** BatchGetItem calls per fan-out (health, positions, kill switch; most of any repetition). */
  readonly batchReads: number;
  /** Single-item reads per fan-out: none is expected. */
  readonly itemReads: number;
  /** SendMessageBatch calls per fan-out (retries would show here). */
  readonly sendCalls: number;
  /** Messages SQS took per fan-out. */
  readonly dispatched: number;
}

/**
 * What the scale section measures at a thousand symbols, one named field per measurement, so
 * that more (a whole tick, the rate budget's cost) can be added beside the first.
 */
export interface ScaleFigures {
  readonly fanOut: ScaleFanOutFigures;
}

/** The fan-out tick the bench times: every symbol due (12:05 UTC closes 1m and 5m candles). */
const firstTick = Date.UTC(2018, 0, 20, 12, 5);

/** `symbols` enabled symbols, half on 1m and half on 5m candles, all due at {@link firstTick}. */
export function scaleConfig(symbols: number): BotConfig {
  return parseConfig({
    schedule: { expression: 'rate(1 minute)' },
    symbols: Array.from({ length: symbols }, (_, i) => ({
      symbol: `S${String(i).padStart(4, '0')}/BTC`,
      timeframe: i % 2 === 0 ? '1m' : '5m',
    })),
  });
}

/**
 * Runs `fanOutTick` over `symbols` symbols with the DynamoDB store and the SQS queue as the
 * fan-out function builds them, against dynalite and local-aws-sqs in a child process: one
 * warm-up, then `repeats` timed runs, each into a fresh FIFO queue (made before the clock starts)
 * so that neither a backlog nor deduplication changes what a run does. Every symbol has a health
 * item, as on a running bot, so the batched reads carry a thousand items back.
 */
export async function measureScale(options: {
  symbols: number;
  repeats: number;
}): Promise<ScaleFigures> {
  const aws = await startLocalAws();
  const dynamo = new DynamoDBClient(localAwsClientConfig(aws.dynamoEndpoint));
  const sqs = new SQSClient(localAwsClientConfig(aws.sqsEndpoint));
  const calls = new Map<string, number>();
  const count = (command: string | undefined) => {
    const name = command ?? 'unknown';
    calls.set(name, (calls.get(name) ?? 0) + 1);
  };
  dynamo.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  sqs.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  try {
    const config = scaleConfig(options.symbols);
    const tableName = 'bench-scale-state';
    await createStateTable(dynamo, tableName);
    const store = new DynamoStateStore({
      tableName,
      client: DynamoDBDocumentClient.from(dynamo),
    });
    const now = firstTick - 60_000;
    for (const s of config.symbols) {
      await store.putHealth({
        ...healthyState(s.symbol),
        lastSuccessAt: now,
        trackedSince: now,
        version: 1,
      });
    }

    const runs: { ms: number; cpuMs: number; reads: number; gets: number; sends: number }[] = [];
    for (let k = 0; k <= options.repeats; k++) {
      const { queueUrl } = await createSymbolQueues(sqs, {
        name: `bench-scale-${k}`,
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 180,
      });
      const queue = new SqsSymbolQueue({ queueUrl, client: sqs });
      calls.clear();
      const cpu = process.cpuUsage();
      const began = performance.now();
      const result = await fanOutTick(
        { store, queue, config, metrics: { add: () => {} } },
        // A new tick time per run: the same messages again would be deduplicated.
        { scheduledAt: firstTick + k * 300_000 },
      );
      const ms = performance.now() - began;
      const used = process.cpuUsage(cpu);
      if (result.dispatched !== options.symbols) {
        throw new Error(
          `fan-out dispatched ${result.dispatched} of ${options.symbols}: ${result.failed[0]?.error ?? 'no error'}`,
        );
      }
      // The first run warms connections and code paths up; it is not kept.
      if (k === 0) continue;
      runs.push({
        ms,
        cpuMs: (used.user + used.system) / 1000,
        reads: calls.get('BatchGetItemCommand') ?? 0,
        gets: calls.get('GetItemCommand') ?? 0,
        sends: calls.get('SendMessageBatchCommand') ?? 0,
      });
    }
    const most = (pick: (r: (typeof runs)[number]) => number) => Math.max(...runs.map(pick));
    return {
      fanOut: {
        symbols: options.symbols,
        repeats: options.repeats,
        p50Ms: round(
          percentile(
            runs.map((r) => r.ms),
            50,
          ),
        ),
        p95Ms: round(
          percentile(
            runs.map((r) => r.ms),
            95,
          ),
        ),
        cpuP50Ms: round(
          percentile(
            runs.map((r) => r.cpuMs),
            50,
          ),
        ),
        batchReads: most((r) => r.reads),
        itemReads: most((r) => r.gets),
        sendCalls: most((r) => r.sends),
        dispatched: options.symbols,
      },
    };
  } finally {
    dynamo.destroy();
    sqs.destroy();
    await aws.close();
  }
}
