import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../lib/adapters/dynamo-state-store.js';

const tableName = 'tickfan-state';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/**
 * An in-memory document client that answers BatchGetItem only, counting its calls, their keys
 * and how many were in flight at once. Each call yields to the event loop before it answers, as a
 * network call would, so calls started together overlap. `unprocessed` may hold back keys of a
 * call, as DynamoDB does under load.
 */
class FakeBatchClient {
  readonly items = new Map<string, Item>();
  readonly calls: BatchGetCommandInput[] = [];
  readonly other: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  unprocessed: (keys: Key[], call: number) => Key[] = () => [];

  put(item: Item & Key): void {
    this.items.set(`${item.pk}|${item.sk}`, item);
  }

  async send(command: unknown): Promise<Partial<BatchGetCommandOutput>> {
    if (!(command instanceof BatchGetCommand)) {
      this.other.push((command as object).constructor.name);
      throw new Error('only BatchGetItem is faked');
    }
    this.calls.push(command.input);
    const call = this.calls.length;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    const request = command.input.RequestItems?.[tableName];
    const keys = (request?.Keys ?? []) as Key[];
    const held = this.unprocessed(keys, call);
    const answered = keys.filter((k) => !held.includes(k));
    return {
      Responses: {
        [tableName]: answered.flatMap((k) => {
          const item = this.items.get(`${k.pk}|${k.sk}`);
          return item === undefined ? [] : [item];
        }),
      },
      ...(held.length > 0 ? { UnprocessedKeys: { [tableName]: { Keys: held } } } : {}),
    };
  }
}

function storeOn(client: FakeBatchClient, batchGetConcurrency?: number): DynamoStateStore {
  return new DynamoStateStore({
    tableName,
    client: client as unknown as DynamoDBDocumentClient,
    ...(batchGetConcurrency === undefined ? {} : { batchGetConcurrency }),
  });
}

const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${i}/BTC`);

describe('DynamoStateStore.getSymbolStates', () => {
  it('reads 1,000 symbols health and positions and the kill switch in ceil(2001/100) = 21 BatchGetItem calls, not 2,001 GetItems', async () => {
    // Prepare
    const client = new FakeBatchClient();
    const all = symbols(1000);
    client.put({
      pk: 'SYM#S7/BTC',
      sk: 'POSITION',
      symbol: 'S7/BTC',
      amount: 2,
      entryPrice: 0.01,
      realisedPnl: 0,
      version: 3,
    });
    client.put({
      pk: 'SYM#S9/BTC',
      sk: 'HEALTH',
      symbol: 'S9/BTC',
      breaker: 'open',
      failures: 3,
      version: 4,
    });
    client.put({ pk: 'CONTROL', sk: 'TRADING', mode: 'halted', by: 'operator' });

    // Act
    const states = await storeOn(client).getSymbolStates({ health: all, positions: all });

    // Assess
    expect(client.calls).toHaveLength(21);
    expect(client.other).toEqual([]);
    const keys = client.calls.flatMap((c) => (c.RequestItems?.[tableName]?.Keys ?? []) as Key[]);
    expect(keys).toHaveLength(2001);
    expect(new Set(keys.map((k) => `${k.pk}|${k.sk}`)).size).toBe(2001);
    for (const call of client.calls) {
      expect(call.RequestItems?.[tableName]?.Keys?.length).toBeLessThanOrEqual(100);
      expect(call.RequestItems?.[tableName]?.ConsistentRead).toBe(true);
    }
    expect(states.control).toEqual({ mode: 'halted', by: 'operator' });
    expect(states.positions.size).toBe(1000);
    expect(states.health.size).toBe(1000);
    expect(states.positions.get('S7/BTC')).toEqual({
      symbol: 'S7/BTC',
      amount: 2,
      entryPrice: 0.01,
      realisedPnl: 0,
      version: 3,
    });
    expect(states.positions.get('S8/BTC')).toMatchObject({ amount: 0, version: 0 });
    expect(states.health.get('S9/BTC')).toMatchObject({ breaker: 'open', failures: 3 });
    expect(states.health.get('S8/BTC')).toMatchObject({ breaker: 'closed', version: 0 });
  });

  it('keeps at most batchGetConcurrency calls in flight, and uses them all', async () => {
    // Prepare
    const client = new FakeBatchClient();

    // Act
    await storeOn(client, 3).getSymbolStates({ health: symbols(1000), positions: [] });

    // Assess
    expect(client.calls).toHaveLength(11);
    expect(client.maxInFlight).toBe(3);
  });

  it('asks again for the keys DynamoDB left unprocessed and returns them too', async () => {
    // Prepare
    const client = new FakeBatchClient();
    const all = symbols(150);
    for (const symbol of all) {
      client.put({ pk: `SYM#${symbol}`, sk: 'HEALTH', symbol, breaker: 'open', version: 1 });
    }
    // The first call of each chunk answers only its first 30 keys.
    const firstCalls = new Set([1, 2]);
    client.unprocessed = (keys, call) => (firstCalls.has(call) ? keys.slice(30) : []);

    // Act
    const states = await storeOn(client).getSymbolStates({ health: all, positions: [] });

    // Assess
    expect(client.calls.map((c) => c.RequestItems?.[tableName]?.Keys?.length)).toEqual([
      100, 51, 70, 21,
    ]);
    expect([...states.health.values()].every((h) => h.breaker === 'open')).toBe(true);
  });

  it('fails the read, naming the count, when DynamoDB keeps leaving keys unprocessed', async () => {
    // Prepare
    const client = new FakeBatchClient();
    client.unprocessed = (keys) => keys;

    // Act
    const read = storeOn(client).getSymbolStates({ health: symbols(5), positions: [] });

    // Assess
    await expect(read).rejects.toThrow(
      'DynamoDB left 6 of 6 keys unread after 6 BatchGetItem calls',
    );
    expect(client.calls).toHaveLength(6);
  });

  it('reads a symbol asked for twice once', async () => {
    // Prepare
    const client = new FakeBatchClient();

    // Act
    const states = await storeOn(client).getSymbolStates({
      health: ['A/BTC', 'A/BTC'],
      positions: ['A/BTC'],
    });

    // Assess
    expect(client.calls[0]?.RequestItems?.[tableName]?.Keys).toHaveLength(3);
    expect([...states.health.keys()]).toEqual(['A/BTC']);
  });
});
