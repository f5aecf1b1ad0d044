import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import type { Position } from '../../lib/domain/position.js';
import { healthyState } from '../../lib/domain/symbol-health.js';
import type { TickResult } from '../../lib/domain/tick.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  type LocalService,
  localAwsClientConfig,
  startDynalite,
} from '../../lib/local/services.js';
import { ConflictError, type OrderRecord } from '../../lib/ports/state-store.js';

const tableName = 'tickfan-state';
const now = Date.parse('2024-03-01T12:00:00.000Z');

let dynamo: LocalService;
let client: DynamoDBClient;
let documentClient: DynamoDBDocumentClient;
let store: DynamoStateStore;
let symbolCount = 0;

/** A symbol no other test has used, so tests share one table without seeing each other. */
function freshSymbol(): string {
  symbolCount += 1;
  return `T${symbolCount}/BTC`;
}

function position(symbol: string, version: number, amount = 1): Position {
  return { symbol, amount, entryPrice: 0.002, realisedPnl: 0, version };
}

function order(
  symbol: string,
  clientOrderId: string,
  overrides: Partial<OrderRecord> = {},
): OrderRecord {
  return {
    clientOrderId,
    symbol,
    strategy: 'sma-cross',
    side: 'buy',
    candleTime: now - 300_000,
    amount: 1.5,
    referencePrice: 0.0021,
    status: 'intent',
    createdAt: new Date(now).toISOString(),
    version: 1,
    ...overrides,
  };
}

function tickResult(
  symbol: string,
  scheduledAt: string,
  overrides: Partial<TickResult> = {},
): TickResult {
  return {
    tickId: `${symbol}#${scheduledAt}`,
    symbol,
    scheduledAt,
    status: 'ok',
    signal: 'none',
    position: { amount: 0, entryPrice: 0, realisedPnl: 0 },
    startedAt: scheduledAt,
    durationMs: 12,
    ...overrides,
  };
}

beforeAll(async () => {
  dynamo = await startDynalite({});
  client = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
  documentClient = DynamoDBDocumentClient.from(client);
  await createStateTable(client, tableName);
  store = new DynamoStateStore({
    tableName,
    client: documentClient,
    clock: { now: () => now },
    queryPageSize: 2,
  });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

describe('createStateTable', () => {
  it('succeeds again on a table that exists, leaving its items in place', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1));

    // Act
    await createStateTable(client, tableName);

    // Assess
    expect(await store.getPosition(symbol)).toEqual(position(symbol, 1));
  });
});

describe('DynamoStateStore tick state', () => {
  it('reads the position, the health and the kill switch in one round trip, as their getters give them', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1, 0.5));
    await store.putHealth({ ...healthyState(symbol), failures: 1, version: 1 });
    const counting = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
    let sends = 0;
    counting.middlewareStack.add(
      (next) => (args) => {
        sends += 1;
        return next(args);
      },
      { step: 'initialize' },
    );
    const counted = new DynamoStateStore({
      tableName,
      client: DynamoDBDocumentClient.from(counting),
    });

    // Act
    const state = await counted.getTickState(symbol);
    const fresh = await counted.getTickState(freshSymbol());

    // Assess
    expect(sends).toBe(2);
    expect(state).toEqual({
      position: await store.getPosition(symbol),
      health: await store.getHealth(symbol),
      control: await store.getControl(),
    });
    expect(fresh.position).toMatchObject({ amount: 0, version: 0 });
    expect(fresh.health).toMatchObject({ breaker: 'closed', version: 0 });
    counting.destroy();
  });
});

describe('DynamoStateStore positions', () => {
  it('returns a flat position at version 0 for a symbol never written', async () => {
    // Prepare
    const symbol = freshSymbol();

    // Act
    const found = await store.getPosition(symbol);

    // Assess
    expect(found).toEqual({ symbol, amount: 0, entryPrice: 0, realisedPnl: 0, version: 0 });
  });

  it('stores the first version and returns it exactly as written', async () => {
    // Prepare
    const symbol = freshSymbol();
    const first = position(symbol, 1, 2.5);

    // Act
    await store.putPosition(first);

    // Assess
    expect(await store.getPosition(symbol)).toEqual(first);
  });

  it('writes a version over its direct predecessor', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1));

    // Act
    await store.putPosition(position(symbol, 2, 0));

    // Assess
    expect(await store.getPosition(symbol)).toEqual(position(symbol, 2, 0));
  });

  it('refuses a version whose predecessor is not the stored one with a ConflictError naming symbol and versions', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1));
    await store.putPosition(position(symbol, 2));

    // Act
    const stale = store.putPosition(position(symbol, 2, 9));

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toThrow(
      `position of ${symbol}: cannot write version 2 over version 1`,
    );
    expect(await store.getPosition(symbol)).toEqual(position(symbol, 2));
  });

  it('refuses a second first version', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1));

    // Act
    const again = store.putPosition(position(symbol, 1, 7));

    // Assess
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getPosition(symbol)).amount).toBe(1);
  });

  it('lets exactly one of two concurrent writers of the same version win', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.putPosition(position(symbol, 1));
    const writerA = new DynamoStateStore({ tableName, client: documentClient });
    const writerB = new DynamoStateStore({ tableName, client: documentClient });

    // Act
    const outcomes = await Promise.allSettled([
      writerA.putPosition(position(symbol, 2, 10)),
      writerB.putPosition(position(symbol, 2, 20)),
    ]);

    // Assess
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const winner = outcomes[0]?.status === 'fulfilled' ? 10 : 20;
    expect(await store.getPosition(symbol)).toEqual(position(symbol, 2, winner));
  });
});

describe('DynamoStateStore orders', () => {
  it('creates an order once and returns false, changing nothing, for the same id again', async () => {
    // Prepare
    const symbol = freshSymbol();
    const intent = order(symbol, 'tf-b-1');

    // Act
    const first = await store.createOrder(intent);
    const second = await store.createOrder({ ...intent, amount: 99 });

    // Assess
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(await store.getOrder(symbol, 'tf-b-1')).toEqual(intent);
  });

  it('returns undefined for an order that does not exist', async () => {
    // Act
    const found = await store.getOrder(freshSymbol(), 'tf-missing');

    // Assess
    expect(found).toBeUndefined();
  });

  it('moves an order on by version-checked updates, keeping optional fields only when set', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.createOrder(order(symbol, 'tf-b-2'));
    const sent = order(symbol, 'tf-b-2', { status: 'sent', version: 2, reason: undefined });
    const filled = order(symbol, 'tf-b-2', {
      status: 'filled',
      filledAmount: 1.5,
      averagePrice: 0.0021,
      fee: 0.00000315,
      version: 3,
    });

    // Act
    await store.updateOrder(sent);
    await store.updateOrder(filled);

    // Assess
    expect(await store.getOrder(symbol, 'tf-b-2')).toEqual(filled);
  });

  it('refuses an update from a stale version with a ConflictError', async () => {
    // Prepare
    const symbol = freshSymbol();
    await store.createOrder(order(symbol, 'tf-b-3'));
    await store.updateOrder(order(symbol, 'tf-b-3', { status: 'sent', version: 2 }));

    // Act
    const stale = store.updateOrder(order(symbol, 'tf-b-3', { status: 'rejected', version: 2 }));

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toThrow(`order tf-b-3 of ${symbol}`);
    expect((await store.getOrder(symbol, 'tf-b-3'))?.status).toBe('sent');
  });

  it('refuses an update of an order that was never created', async () => {
    // Act
    const update = store.updateOrder(order(freshSymbol(), 'tf-ghost', { version: 2 }));

    // Assess
    await expect(update).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists every order of a symbol across query pages, and only that symbol', async () => {
    // Prepare
    const symbol = freshSymbol();
    const other = freshSymbol();
    const ids = ['tf-a', 'tf-b', 'tf-c', 'tf-d', 'tf-e'];
    for (const id of ids) await store.createOrder(order(symbol, id));
    await store.createOrder(order(other, 'tf-other'));
    await store.putPosition(position(symbol, 1));

    // Act
    const listed = await store.listOrders(symbol);

    // Assess: the store pages 2 items at a time, so 5 orders need 3 pages
    expect(listed.map((o) => o.clientOrderId)).toEqual(ids);
    expect(listed[0]).toEqual(order(symbol, 'tf-a'));
  });
});

describe('DynamoStateStore tick results', () => {
  it('replaces the result of a retried tick instead of adding a second one', async () => {
    // Prepare
    const symbol = freshSymbol();
    const at = '2024-03-01T12:00:00.000Z';
    await store.putTickResult(tickResult(symbol, at, { status: 'failed', error: 'timeout' }));

    // Act
    await store.putTickResult(tickResult(symbol, at, { status: 'ok', signal: 'enter' }));

    // Assess
    expect(await store.listTickResults(symbol)).toEqual([
      tickResult(symbol, at, { status: 'ok', signal: 'enter' }),
    ]);
  });

  it('lists results oldest first across query pages, whatever order they were written in', async () => {
    // Prepare
    const symbol = freshSymbol();
    const times = [
      '2024-03-01T12:10:00.000Z',
      '2024-02-29T23:55:00.000Z',
      '2024-03-01T12:05:00.000Z',
      '2024-03-01T09:00:00.000Z',
      '2024-03-01T12:00:00.000Z',
    ];
    for (const at of times) await store.putTickResult(tickResult(symbol, at));

    // Act
    const listed = await store.listTickResults(symbol);

    // Assess
    expect(listed.map((r) => r.scheduledAt)).toEqual([...times].sort());
  });

  it('stamps each result to expire 30 days after it was written and hides the stamp', async () => {
    // Prepare
    const symbol = freshSymbol();
    const at = '2024-03-01T12:00:00.000Z';
    const result = tickResult(symbol, at, {
      order: { clientOrderId: 'tf-b-9', side: 'buy', amount: 1, price: 0.002, status: 'filled' },
    });

    // Act
    await store.putTickResult(result);

    // Assess
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: `SYM#${symbol}`, sk: `TICK#${at}` } }),
    );
    expect(Item?.expiresAt).toBe(now / 1000 + 30 * 86_400);
    expect(await store.listTickResults(symbol)).toEqual([result]);
  });

  it('honours a configured retention period', async () => {
    // Prepare
    const symbol = freshSymbol();
    const at = '2024-03-01T12:00:00.000Z';
    const shortLived = new DynamoStateStore({
      tableName,
      client: documentClient,
      clock: { now: () => now },
      tickResultTtlDays: 2,
    });

    // Act
    await shortLived.putTickResult(tickResult(symbol, at));

    // Assess
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: `SYM#${symbol}`, sk: `TICK#${at}` } }),
    );
    expect(Item?.expiresAt).toBe(now / 1000 + 2 * 86_400);
  });
});

describe('startDynalite', () => {
  it('keeps the state across a restart when given a path, creating the directory', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'tickfan-dynalite-'));
    const path = join(root, 'nested', 'db');
    const position = {
      symbol: 'LTC/BTC',
      amount: 3,
      entryPrice: 0.002,
      realisedPnl: 0,
      version: 1,
    };
    const first = await startDynalite({ path });
    const firstClient = new DynamoDBClient(localAwsClientConfig(first.endpoint));
    await createStateTable(firstClient, tableName);
    await new DynamoStateStore({
      tableName,
      client: DynamoDBDocumentClient.from(firstClient),
    }).putPosition(position);
    firstClient.destroy();
    await first.close();

    // Act
    const second = await startDynalite({ path });
    const secondClient = new DynamoDBClient(localAwsClientConfig(second.endpoint));
    const found = await new DynamoStateStore({
      tableName,
      client: DynamoDBDocumentClient.from(secondClient),
    }).getPosition('LTC/BTC');

    // Assess
    expect(found).toEqual(position);
    secondClient.destroy();
    await second.close();
    await rm(root, { recursive: true, force: true });
  });
});

describe('DynamoStateStore risk records', () => {
  let tables = 0;
  /** These records are global to a table, so each test gets a table of its own. */
  async function freshStore(): Promise<DynamoStateStore> {
    tables += 1;
    const name = `tickfan-risk-${tables}`;
    await createStateTable(client, name);
    return new DynamoStateStore({ tableName: name, client: documentClient });
  }

  it('gives out at most max open-position slots, idempotently per symbol, and takes them back', async () => {
    const s = await freshStore();
    expect(await s.reserveOpenPosition('A/BTC', 2)).toBe(true);
    expect(await s.reserveOpenPosition('A/BTC', 2)).toBe(true);
    expect(await s.reserveOpenPosition('B/BTC', 2)).toBe(true);
    expect(await s.reserveOpenPosition('C/BTC', 2)).toBe(false);
    await s.releaseOpenPosition('A/BTC');
    await s.releaseOpenPosition('A/BTC');
    expect(await s.reserveOpenPosition('C/BTC', 2)).toBe(true);
  });

  it("sums a day's realised PnL with each order counted once", async () => {
    const s = await freshStore();
    expect(await s.addRealisedPnl('2018-01-10', 'tf-s-1', -0.5)).toBe(-0.5);
    expect(await s.addRealisedPnl('2018-01-10', 'tf-s-2', 0.25)).toBe(-0.25);
    expect(await s.addRealisedPnl('2018-01-10', 'tf-s-1', -0.5)).toBe(-0.25);
    expect(await s.addRealisedPnl('2018-01-11', 'tf-s-3', -1)).toBe(-1);
  });

  it('keeps the kill switch, active until set', async () => {
    const s = await freshStore();
    expect(await s.getControl()).toEqual({ mode: 'active' });
    await s.putControl({ mode: 'close-only', reason: 'r', by: 'operator' });
    expect(await s.getControl()).toEqual({ mode: 'close-only', reason: 'r', by: 'operator' });
  });
});
