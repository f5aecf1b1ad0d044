import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { DynamoRateBudget } from '../../lib/adapters/dynamo-rate-budget.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import type { BudgetRules } from '../../lib/domain/rate-budget.js';
import { pauseOnThrottle } from '../../lib/handlers/trade-handler.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  type LocalService,
  localAwsClientConfig,
  startDynalite,
} from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { ExchangeUnavailableError } from '../../lib/ports/market-data.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { wireOf } from '../../lib/simulator/wires.js';
import { FakeClock } from '../helpers/fakes.js';

const tableName = 'tickfan-state';
const minute = Date.UTC(2024, 2, 1, 12, 0);
const rules: BudgetRules = {
  requests: { limit: 20, windowMs: 60_000 },
  orders: { limit: 5, windowMs: 10_000 },
  share: 0.5,
};

let dynamo: LocalService;
let client: DynamoDBClient;
let documentClient: DynamoDBDocumentClient;
let exchangeCount = 0;

/** A budget under an exchange name no other test has used, so tests share one table. */
function freshExchange(): string {
  exchangeCount += 1;
  return `test-exchange-${exchangeCount}`;
}

/** One container's budget: its own adapter instance on the shared table. */
function container(exchange: string, clock: FakeClock): DynamoRateBudget {
  return new DynamoRateBudget({ tableName, exchange, rules, clock, client: documentClient });
}

beforeAll(async () => {
  dynamo = await startDynalite({});
  client = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
  documentClient = DynamoDBDocumentClient.from(client);
  await createStateTable(client, tableName);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

describe('DynamoRateBudget', () => {
  it('never grants more than the allowance to 50 parallel reservations from 5 containers', async () => {
    // Prepare
    const exchange = freshExchange();
    const clock = new FakeClock(minute + 1_000);
    const containers = Array.from({ length: 5 }, () => container(exchange, clock));
    const protection = { pool: 'requests', weight: 1, priority: 'protection' } as const;

    // Act
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => containers[i % 5]?.reserve(protection)),
    );

    // Assess
    expect(answers.filter((a) => a?.granted)).toHaveLength(20);
    expect(answers.filter((a) => a?.granted === false)).toHaveLength(30);
    expect(answers.find((a) => a?.granted === false)).toEqual({
      granted: false,
      reason: 'exhausted',
      retryAt: minute + 60_000,
    });
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: `BUDGET#${exchange}`, sk: 'REQUESTS' } }),
    );
    expect(Item).toMatchObject({ used: 20, windowStart: minute });
    expect(Item?.expiresAt).toBeGreaterThan((minute + 1_000) / 1000);
  });

  it('stops entries at the share and lets protection draw the rest of the window', async () => {
    // Prepare
    const budget = container(freshExchange(), new FakeClock(minute));
    const draw = (priority: 'entry' | 'protection', weight: number) =>
      budget.reserve({ pool: 'requests', weight, priority });

    // Act
    const entries = [await draw('entry', 6), await draw('entry', 4), await draw('entry', 1)];
    const protection = [await draw('protection', 10), await draw('protection', 1)];

    // Assess
    expect(entries.map((a) => a.granted)).toEqual([true, true, false]);
    expect(protection.map((a) => a.granted)).toEqual([true, false]);
  });

  it('starts every window empty', async () => {
    // Prepare
    const clock = new FakeClock(minute);
    const budget = container(freshExchange(), clock);
    await budget.reserve({ pool: 'requests', weight: 10, priority: 'entry' });

    // Act
    const full = await budget.reserve({ pool: 'requests', weight: 1, priority: 'entry' });
    clock.at = minute + 60_000;
    const next = await budget.reserve({ pool: 'requests', weight: 10, priority: 'entry' });

    // Assess
    expect(full).toMatchObject({ granted: false, retryAt: minute + 60_000 });
    expect(next).toEqual({ granted: true });
  });

  it('counts orders apart from request weight, in their own windows', async () => {
    // Prepare
    const budget = container(freshExchange(), new FakeClock(minute + 3_000));
    await budget.reserve({ pool: 'requests', weight: 20, priority: 'protection' });

    // Act
    const order = await budget.reserve({ pool: 'orders', weight: 2, priority: 'entry' });
    const tooMany = await budget.reserve({ pool: 'orders', weight: 1, priority: 'entry' });

    // Assess
    expect(order).toEqual({ granted: true });
    expect(tooMany).toEqual({ granted: false, reason: 'exhausted', retryAt: minute + 10_000 });
  });

  it('reserves in one DynamoDB round trip, and starts a window in two', async () => {
    // Prepare
    const clock = new FakeClock(minute);
    const exchange = freshExchange();
    const budget = container(exchange, clock);
    const other = container(exchange, clock);
    const draw = { pool: 'requests', weight: 1, priority: 'entry' } as const;

    // Act
    await budget.reserve(draw);
    const first = { ...budget.roundTrips };
    await budget.reserve(draw);
    await budget.reserve(draw);
    const steady = { ...budget.roundTrips };
    // Another container joining a window someone else started: its first guess misses once.
    await other.reserve(draw);
    await other.reserve(draw);

    // Assess
    expect(first).toEqual({ writes: 1, reads: 0 });
    expect(steady).toEqual({ writes: 3, reads: 0 });
    expect(other.roundTrips).toEqual({ writes: 3, reads: 0 });
  });

  it('reads the item back only to say until when a refused reservation must wait', async () => {
    // Prepare
    const budget = container(freshExchange(), new FakeClock(minute));
    await budget.reserve({ pool: 'requests', weight: 10, priority: 'entry' });
    const before = { ...budget.roundTrips };

    // Act
    const refused = await budget.reserve({ pool: 'requests', weight: 1, priority: 'entry' });

    // Assess
    expect(refused.granted).toBe(false);
    expect(budget.roundTrips.writes - before.writes).toBe(2);
    expect(budget.roundTrips.reads - before.reads).toBe(1);
  });
});

describe('two containers sharing one budget', () => {
  let sim: ExchangeSimulator;

  beforeAll(async () => {
    sim = await startSimulator({
      clock: new SimClock(Date.UTC(2018, 0, 20, 12, 7, 30)),
      symbols: ['LTC/BTC'],
      wire: wireOf('binance'),
    });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('one sees a 429, and the other waits until its Retry-After has passed', async () => {
    // Prepare: two containers, each with its own ccxt client and budget adapter, on one table.
    const exchange = freshExchange();
    const clock = new FakeClock(minute + 20_000);
    const first = container(exchange, clock);
    const second = container(exchange, clock);
    const throttled = new CcxtExchange({
      exchange: createBinanceClient({ url: sim.url }),
      clock: new SimClock(Date.UTC(2018, 0, 20, 12, 7, 30)),
      onThrottle: pauseOnThrottle(first, clock),
    });
    await throttled.market('LTC/BTC', 2_000);
    const draw = { pool: 'requests', weight: 1, priority: 'protection' } as const;
    expect(await second.reserve(draw)).toEqual({ granted: true });
    sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 1 });

    // Act: the first container's call gets a 429 with Retry-After: 1.
    const error = await throttled
      .fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 2, timeoutMs: 2_000 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    sim.setFault('LTC/BTC', undefined);
    const pauseWrites = first.roundTrips.writes;
    const sentBefore = sim.requestCount();
    // Its own cool-off refuses the next call at once: nothing sent, nothing written again.
    const coolOff = await throttled
      .fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 2, timeoutMs: 2_000 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const during = await second.reserve(draw);
    clock.at += 999;
    const almost = await second.reserve(draw);
    clock.at += 1;
    const after = await second.reserve(draw);

    // Assess
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(error).toMatchObject({ kind: 'rate-limit', retryAfterSeconds: 1 });
    expect(pauseWrites).toBe(2);
    expect(coolOff).toMatchObject({ kind: 'rate-limit' });
    expect(sim.requestCount()).toBe(sentBefore);
    expect(first.roundTrips.writes).toBe(pauseWrites);
    expect(during).toEqual({ granted: false, reason: 'paused', retryAt: minute + 21_000 });
    expect(almost).toMatchObject({ granted: false, reason: 'paused' });
    expect(after).toEqual({ granted: true });
  });

  it('keeps a longer pause when a shorter 429 comes after it', async () => {
    // Prepare
    const exchange = freshExchange();
    const clock = new FakeClock(minute);
    const first = container(exchange, clock);
    const second = container(exchange, clock);
    await first.pause(minute + 30_000);

    // Act
    await second.pause(minute + 5_000);
    clock.at = minute + 10_000;
    const answer = await first.reserve({ pool: 'orders', weight: 1, priority: 'protection' });

    // Assess
    expect(answer).toEqual({ granted: false, reason: 'paused', retryAt: minute + 30_000 });
  });
});
