import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperBroker } from '../../lib/adapters/paper-broker.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  type LocalService,
  localAwsClientConfig,
  startDynalite,
} from '../../lib/local/services.js';
import { OrderRejectedError, type OrderRequest } from '../../lib/ports/broker.js';

let dynamo: LocalService;
let client: DynamoDBClient;
let documentClient: DynamoDBDocumentClient;
let tableCount = 0;

/** A broker on a table of its own, so each test starts from the starting balances. */
async function freshBroker(
  balances: Record<string, number>,
): Promise<{ broker: PaperBroker; tableName: string }> {
  tableCount += 1;
  const tableName = `paper-${tableCount}`;
  await createStateTable(client, tableName);
  const broker = new PaperBroker({ tableName, client: documentClient, feeRate: 0.001, balances });
  return { broker, tableName };
}

function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    symbol: 'LTC/BTC',
    side: 'buy',
    amount: 2,
    clientOrderId: 'tf-b-1',
    referencePrice: 0.002,
    timeoutMs: 1_000,
    ...overrides,
  };
}

async function paperItems(tableName: string): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'PAPER' },
    }),
  );
  return Items ?? [];
}

beforeAll(async () => {
  dynamo = await startDynalite({});
  client = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
  documentClient = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

describe('PaperBroker stops', () => {
  const placedAt = Date.UTC(2018, 0, 20, 12, 1);
  const candle = (time: number, open: number, low: number) => ({
    time,
    open,
    high: open,
    low,
    close: open,
    volume: 1,
  });

  /** A paper broker on a table of its own whose stops are checked against `candles`. */
  async function stopBroker(candles: () => readonly ReturnType<typeof candle>[]) {
    tableCount += 1;
    const tableName = `paper-${tableCount}`;
    await createStateTable(client, tableName);
    let now = placedAt;
    const asked: number[] = [];
    const broker = new PaperBroker({
      tableName,
      client: documentClient,
      feeRate: 0.001,
      balances: { BTC: 0, LTC: 5 },
      clock: { now: () => now },
      stopCandles: async (_symbol, since) => {
        asked.push(since);
        return candles().filter((c) => c.time + 300_000 <= now);
      },
    });
    return { broker, asked, at: (time: number) => (now = time) };
  }

  const stop = (clientOrderId = 'tf-p-1-x') => ({
    symbol: 'LTC/BTC',
    amount: 3,
    stopPrice: 0.0018,
    clientOrderId,
    timeoutMs: 1_000,
  });

  it('rests a stop, and fills it once at the stop when a closed candle reaches it', async () => {
    // Prepare
    const t = Date.UTC(2018, 0, 20, 12, 5);
    const { broker, asked, at } = await stopBroker(() => [
      candle(t, 0.002, 0.0019),
      candle(t + 300_000, 0.002, 0.0017),
    ]);

    // Act
    const placed = await broker.placeStopOrder(stop());
    const resting = await broker.findOrder('LTC/BTC', 'tf-p-1-x', 1_000);
    at(t + 600_000);
    const filled = await broker.findOrder('LTC/BTC', 'tf-p-1-x', 1_000);
    const again = await broker.findOrder('LTC/BTC', 'tf-p-1-x', 1_000);

    // Assess: 3 × 0.0018 = 0.0054 BTC, less the 0.1 % fee
    expect(placed).toMatchObject({ status: 'open', filledAmount: 0 });
    expect(resting).toMatchObject({ status: 'open' });
    expect(filled).toMatchObject({ status: 'filled', filledAmount: 3, averagePrice: 0.0018 });
    expect(filled?.fee).toBeCloseTo(0.0000054, 12);
    expect(filled?.fillTime).toBe(t + 300_000);
    expect(again).toEqual(filled);
    expect(asked.every((since) => since === placedAt)).toBe(true);
    expect(await broker.paperBalances()).toEqual({ BTC: 0.0053946, LTC: 2 });
  });

  it('cancels a resting stop, and reports one that filled first as filled', async () => {
    // Prepare
    const t = Date.UTC(2018, 0, 20, 12, 5);
    const { broker, at } = await stopBroker(() => [candle(t, 0.0017, 0.0016)]);
    await broker.placeStopOrder(stop('tf-p-1-a'));
    const cancelled = await broker.cancelOrder('LTC/BTC', 'tf-p-1-a', 1_000);
    await broker.placeStopOrder(stop('tf-p-1-b'));

    // Act
    at(t + 300_000);
    const raced = await broker.cancelOrder('LTC/BTC', 'tf-p-1-b', 1_000);

    // Assess: the gap fills at the candle's open
    expect(cancelled).toMatchObject({ status: 'cancelled', filledAmount: 0 });
    expect(raced).toMatchObject({ status: 'filled', averagePrice: 0.0017 });
    expect(await broker.cancelOrder('LTC/BTC', 'never', 1_000)).toBeUndefined();
  });
});

describe('PaperBroker', () => {
  it('fills a buy at the reference price, charging the fee in the quote currency', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1 });

    // Act
    const report = await broker.placeMarketOrder(request());

    // Assess: notional 2 * 0.002 = 0.004 BTC, fee 0.1% of it
    expect(report).toEqual({
      clientOrderId: 'tf-b-1',
      exchangeOrderId: 'paper-tf-b-1',
      status: 'filled',
      filledAmount: 2,
      averagePrice: 0.002,
      fee: 0.000004,
      fillTime: expect.any(Number),
    });
    expect(await broker.paperBalances()).toEqual({ BTC: 0.995996, LTC: 2 });
  });

  it('fills a sell by debiting the base and crediting the quote less the fee', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 0, LTC: 5 });

    // Act
    const report = await broker.placeMarketOrder(
      request({ side: 'sell', amount: 3, clientOrderId: 'tf-s-1', referencePrice: 0.0025 }),
    );

    // Assess: notional 0.0075 BTC, fee 0.0000075 BTC
    expect(report.fee).toBe(0.0000075);
    expect(await broker.paperBalances()).toEqual({ BTC: 0.0074925, LTC: 2 });
  });

  it('fills an order once however often the same client id is placed', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1 });
    const first = await broker.placeMarketOrder(request());

    // Act
    const repeats = await Promise.all([
      broker.placeMarketOrder(request({ referencePrice: 0.003 })),
      broker.placeMarketOrder(request()),
    ]);

    // Assess
    expect(repeats).toEqual([first, first]);
    expect(await broker.paperBalances()).toEqual({ BTC: 0.995996, LTC: 2 });
  });

  it('fills two concurrent orders of the same id once', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1 });

    // Act
    const [a, b] = await Promise.all([
      broker.placeMarketOrder(request()),
      broker.placeMarketOrder(request()),
    ]);

    // Assess
    expect(a).toEqual(b);
    expect(await broker.paperBalances()).toEqual({ BTC: 0.995996, LTC: 2 });
  });

  it('refuses an order the balance cannot cover with OrderRejectedError, recording nothing', async () => {
    // Prepare
    const { broker, tableName } = await freshBroker({ BTC: 0.001 });

    // Act
    const placed = broker.placeMarketOrder(request({ amount: 1 }));

    // Assess: 1 * 0.002 + 0.000002 fee is needed
    await expect(placed).rejects.toBeInstanceOf(OrderRejectedError);
    await expect(placed).rejects.toThrow('insufficient BTC balance: need 0.002002, have 0.001');
    expect(await broker.findOrder('LTC/BTC', 'tf-b-1', 1_000)).toBeUndefined();
    expect((await paperItems(tableName)).filter((i) => String(i.sk).startsWith('ORDER#'))).toEqual(
      [],
    );
    expect(await broker.paperBalances()).toEqual({ BTC: 0.001, LTC: 0 });
  });

  it('refuses a sell of more than is held', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1 });

    // Act
    const placed = broker.placeMarketOrder(request({ side: 'sell', clientOrderId: 'tf-s-2' }));

    // Assess
    await expect(placed).rejects.toThrow('insufficient LTC balance: need 2, have 0');
  });

  it('never overdraws the account when concurrent orders compete for the same balance', async () => {
    // Prepare: enough BTC for two of the three buys
    const { broker } = await freshBroker({ BTC: 0.0081 });

    // Act
    const outcomes = await Promise.allSettled(
      ['tf-b-x', 'tf-b-y', 'tf-b-z'].map((id) =>
        broker.placeMarketOrder(request({ clientOrderId: id })),
      ),
    );

    // Assess
    const filled = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(filled).toHaveLength(2);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(OrderRejectedError);
    const balances = await broker.paperBalances();
    expect(balances.BTC).toBeCloseTo(0.0081 - 2 * 0.004004, 12);
    expect(balances.LTC).toBe(4);
    const found = await Promise.all(
      ['tf-b-x', 'tf-b-y', 'tf-b-z'].map((id) => broker.findOrder('LTC/BTC', id, 1_000)),
    );
    expect(found.filter((f) => f !== undefined)).toHaveLength(2);
  });

  it('finds a placed order by client id, and nothing for another id or symbol', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1 });
    const report = await broker.placeMarketOrder(request());

    // Act
    const found = await broker.findOrder('LTC/BTC', 'tf-b-1', 1_000);
    const otherId = await broker.findOrder('LTC/BTC', 'tf-b-2', 1_000);
    const otherSymbol = await broker.findOrder('ETH/BTC', 'tf-b-1', 1_000);

    // Assess
    expect(found).toEqual(report);
    expect(otherId).toBeUndefined();
    expect(otherSymbol).toBeUndefined();
  });

  it('reports starting balances of currencies not traded yet', async () => {
    // Prepare
    const { broker } = await freshBroker({ BTC: 1, ETH: 10 });

    // Act
    const balances = await broker.paperBalances();

    // Assess
    expect(balances).toEqual({ BTC: 1, ETH: 10 });
  });

  it('keeps balances across broker instances, as across Lambda containers', async () => {
    // Prepare
    const { broker, tableName } = await freshBroker({ BTC: 1 });
    await broker.placeMarketOrder(request());
    const later = new PaperBroker({ tableName, client: documentClient, balances: { BTC: 1 } });

    // Act
    await later.placeMarketOrder(request({ clientOrderId: 'tf-b-2' }));

    // Assess
    expect(await later.paperBalances()).toEqual({ BTC: 0.991992, LTC: 4 });
  });
});
