import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { DynamoMarketStore } from '../../lib/adapters/dynamo-market-store.js';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { SqsSymbolQueue } from '../../lib/adapters/sqs-symbol-queue.js';
import { enabledSelectors } from '../../lib/config/schema.js';
import { Signal } from '../../lib/domain/signal.js';
import type { Strategy } from '../../lib/domain/strategies/strategy.js';
import type { SymbolTick, TickResult } from '../../lib/domain/tick.js';
import { parseTickMessage } from '../../lib/domain/tick-message.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startDynalite,
  startSqs,
} from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { fanOutTick } from '../../lib/use-cases/fan-out-tick.js';
import { processSymbolTick } from '../../lib/use-cases/process-symbol-tick.js';
import { refreshMarkets } from '../../lib/use-cases/refresh-markets.js';
import { testConfig } from '../helpers/config.js';
import { RecordingMetrics } from '../helpers/fakes.js';

/**
 * A pair picked by volume, end to end on the real parts: the markets refresh ranks the
 * simulator's tickers through ccxt, the fan-out sends through local SQS, the trade tick runs on
 * dynalite and the simulator. The strategy is scripted, so the test says when a tick wants in or
 * out; what is under test is who gets dispatched and what each tick may do.
 */

const tf = 300_000;
const firstTick = Date.UTC(2018, 0, 20, 12, 5);
const config = testConfig({
  symbols: [{ select: { quote: 'BTC', top: 1 }, timeframe: '5m', params: { fast: 2, slow: 4 } }],
  rateBudget: { enabled: false },
});
const selectors = enabledSelectors(config);

let signal: Signal = Signal.None;
const scripted: Strategy = {
  name: 'scripted',
  warmup: 2,
  start: () => ({ next: () => signal }),
};

const services: LocalService[] = [];
let sim: ExchangeSimulator;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let queueUrl: string;
let state: DynamoStateStore;
let markets: DynamoMarketStore;
const clock = new SimClock(firstTick + 30_000);

beforeAll(async () => {
  sim = await startSimulator({ clock, symbols: ['LTC/BTC', 'ETC/BTC', 'XLM/BTC'] });
  services.push({ endpoint: sim.url, close: () => sim.close() });
  const dynalite = await startDynalite();
  services.push(dynalite);
  dynamo = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  await createStateTable(dynamo, 'pairs');
  const documents = DynamoDBDocumentClient.from(dynamo);
  state = new DynamoStateStore({ tableName: 'pairs', client: documents, clock });
  markets = new DynamoMarketStore({ tableName: 'pairs', client: documents });
  const sqsServer = await startSqs();
  services.push(sqsServer);
  sqs = new SQSClient(localAwsClientConfig(sqsServer.endpoint));
  ({ queueUrl } = await createSymbolQueues(sqs, {
    name: 'pairs',
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  }));
});

afterAll(async () => {
  sqs?.destroy();
  dynamo?.destroy();
  for (const s of services.reverse()) await s.close();
});

/** The markets function's refresh, on a client of its own. */
function refresh() {
  const exchange = new CcxtExchange({ exchange: exchangeClients.binance({ url: sim.url }), clock });
  return refreshMarkets(
    { catalogue: exchange, tickers: exchange, store: markets, state, clock },
    // A 5m pair's stale limit (150 s) and the trade function's timeout (30 s).
    { symbols: [], selectors, timeoutMs: 10_000, exitGraceMs: () => 180_000 },
  );
}

/** The ticks the fan-out queued for `scheduledAt`, as the trade function receives them. */
async function fanOut(scheduledAt: number): Promise<SymbolTick[]> {
  clock.set(scheduledAt + 1_000);
  await fanOutTick(
    {
      queue: new SqsSymbolQueue({ queueUrl, client: sqs }),
      metrics: new RecordingMetrics(),
      store: state,
      config,
    },
    { scheduledAt },
  );
  const ticks: SymbolTick[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return ticks;
    for (const m of Messages) {
      ticks.push(parseTickMessage(m.Body ?? ''));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
}

/** One trade container running every tick it is handed, its rules from the markets store. */
async function trade(ticks: readonly SymbolTick[]): Promise<Map<string, TickResult>> {
  const exchange = new CcxtExchange({
    exchange: exchangeClients.binance({ url: sim.url }),
    clock,
    storedMarkets: { store: markets, maxAgeMs: 3_600_000 },
  });
  const results = new Map<string, TickResult>();
  for (const tick of ticks) {
    clock.set(tick.scheduledAt + 2_000);
    const deps = {
      market: exchange,
      broker: exchange,
      store: state,
      clock,
      metrics: new RecordingMetrics(),
      config,
      strategyFor: () => scripted,
    };
    results.set(tick.symbol, await processSymbolTick(deps, { tick, remainingMs: () => 20_000 }));
  }
  return results;
}

describe('a pair picked by volume', () => {
  it('leaves the list while holding, is exited and protected until flat, and only then dropped', async () => {
    // Prepare: LTC/BTC tops the volume list and enters.
    sim.setVolumeScale('LTC/BTC', 1_000);
    const before = sim.requestStats();
    await refresh();
    const after = sim.requestStats();
    // One market list and one tickers request a refresh, nothing more.
    expect(after.marketsRequests - before.marketsRequests).toBe(1);
    expect(after.requests - before.requests).toBe(2);
    signal = Signal.Enter;
    const entered = await trade(await fanOut(firstTick));
    expect(entered.get('LTC/BTC')).toMatchObject({ order: { side: 'buy', status: 'filled' } });
    const held = await state.getPosition('LTC/BTC');
    expect(sim.openOrders('LTC/BTC').map((o) => o.clientOrderId)).toEqual([
      held.stop?.clientOrderId,
    ]);

    // Act 1: its volume falls away; ETC/BTC takes its place at the next refresh.
    sim.setVolumeScale('LTC/BTC', 0.001);
    sim.setVolumeScale('ETC/BTC', 1_000);
    const moved = await refresh();
    const second = await fanOut(firstTick + tf);
    const wantedIn = await trade(second);

    // Assess 1: LTC/BTC is still dispatched, exit-only, and its stop still rests.
    expect(moved.selection).toEqual({ listed: 1, exitOnly: ['LTC/BTC'], dropped: [], short: [] });
    expect(second.map((t) => [t.symbol, t.pair?.exitOnly])).toEqual([
      ['ETC/BTC', false],
      ['LTC/BTC', true],
    ]);
    expect(wantedIn.get('LTC/BTC')).toMatchObject({ status: 'ok', signal: 'enter' });
    expect(wantedIn.get('LTC/BTC')?.order).toBeUndefined();
    expect(wantedIn.get('ETC/BTC')).toMatchObject({ order: { side: 'buy' } });
    expect(sim.openOrders('LTC/BTC').map((o) => o.clientOrderId)).toEqual([
      held.stop?.clientOrderId,
    ]);

    // Act 2: the strategy says out.
    signal = Signal.Exit;
    const out = await trade(await fanOut(firstTick + 2 * tf));

    // Assess 2: the position is sold, its stop cancelled, and nothing of it is left.
    expect(out.get('LTC/BTC')).toMatchObject({
      status: 'ok',
      order: { side: 'sell', amount: held.amount },
    });
    expect((await state.getPosition('LTC/BTC')).amount).toBe(0);
    expect(sim.openOrders('LTC/BTC')).toEqual([]);

    // Act 3: the next refresh finds it flat.
    signal = Signal.None;
    const flat = await refresh();
    const fourth = await fanOut(firstTick + 3 * tf);

    // Assess 3: dropped, no longer dispatched.
    expect(flat.selection).toEqual({ listed: 1, exitOnly: [], dropped: ['LTC/BTC'], short: [] });
    expect(fourth.map((t) => t.symbol)).toEqual(['ETC/BTC']);
  });
});
