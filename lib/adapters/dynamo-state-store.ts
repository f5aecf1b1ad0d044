import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { activeTrading, type TradingControl } from '../domain/control.js';
import type { PairSelection } from '../domain/pair-selection.js';
import { flatPosition, type Position } from '../domain/position.js';
import { healthyState, type SymbolHealth } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';
import type { Clock } from '../ports/clock.js';
import {
  ConflictError,
  type OrderRecord,
  type StateStore,
  type SymbolStates,
  type SymbolStatesRequest,
  type TickState,
} from '../ports/state-store.js';
import { isConditionFailed, orderKey, queryPrefix } from './dynamo-helpers.js';
import { forEachLimited } from './for-each-limited.js';

/** Options of {@link DynamoStateStore}. */
export interface DynamoStateStoreOptions {
  readonly tableName: string;
  /** Defaults to a client for the ambient AWS configuration. */
  readonly client?: DynamoDBDocumentClient;
  /** Clock that dates tick results for expiry; defaults to the system clock. */
  readonly clock?: Clock;
  /** Days a tick result is kept before DynamoDB's TTL may delete it. Default 30. */
  readonly tickResultTtlDays?: number;
  /** Items per Query page; only tests lower it, to exercise pagination. Default: DynamoDB's 1 MB pages. */
  readonly queryPageSize?: number;
  /** BatchGetItem calls in flight at once when many keys are read. Default 10. */
  readonly batchGetConcurrency?: number;
}

type Item = Record<string, unknown>;
type Key = { readonly pk: string; readonly sk: string };

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_KEYS = 100;
/**
 * 10 calls in flight read a thousand symbols' health (11 calls) in two rounds; the table is on
 * demand, so more would only add connections.
 */
const BATCH_GET_CONCURRENCY = 10;
/** Calls per chunk, the first included, before keys DynamoDB keeps leaving unprocessed fail the read. */
const BATCH_GET_ATTEMPTS = 6;

const SECONDS_PER_DAY = 86_400;

/** Key attributes this adapter adds to every item; callers never see them. */
const storageKeys = ['pk', 'sk', 'expiresAt'] as const;

/**
 * {@link StateStore} on the single DynamoDB state table (`lib/tables.ts`). Every write is a
 * single-item put, version-checked where the port asks for it, so it behaves the same on
 * DynamoDB and on dynalite (which has no transactions). Reads are strongly consistent: a version
 * check against a stale read would only produce avoidable conflicts.
 *
 * | item        | pk             | sk                        |
 * |-------------|----------------|---------------------------|
 * | position    | `SYM#<symbol>` | `POSITION`                |
 * | order       | `SYM#<symbol>` | `ORDER#<clientOrderId>`   |
 * | tick result | `SYM#<symbol>` | `TICK#<scheduledAt ISO>`  |
 * | health      | `SYM#<symbol>` | `HEALTH`                  |
 * | kill switch | `CONTROL`      | `TRADING`                 |
 * | open slots  | `GLOBAL`       | `OPEN_POSITIONS`          |
 * | daily PnL   | `GLOBAL`       | `PNL#<YYYY-MM-DD>`        |
 */
export class DynamoStateStore implements StateStore {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly clock: Clock;
  private readonly tickResultTtlSeconds: number;
  private readonly queryPageSize: number | undefined;
  private readonly batchGetConcurrency: number;

  constructor(options: DynamoStateStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
    this.clock = options.clock ?? { now: () => Date.now() };
    this.tickResultTtlSeconds = Math.round((options.tickResultTtlDays ?? 30) * SECONDS_PER_DAY);
    this.queryPageSize = options.queryPageSize;
    this.batchGetConcurrency = options.batchGetConcurrency ?? BATCH_GET_CONCURRENCY;
  }

  async getPosition(symbol: string): Promise<Position> {
    const key = positionKey(symbol);
    return asPosition(symbol, await this.get(key.pk, key.sk));
  }

  async putPosition(next: Position): Promise<void> {
    await this.putVersioned(
      { ...toItem(next), ...positionKey(next.symbol) },
      next.version,
      `position of ${next.symbol}`,
    );
  }

  async reserveOpenPosition(symbol: string, max: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: globalKey, sk: 'OPEN_POSITIONS' },
          UpdateExpression: 'ADD #s :symbol',
          ConditionExpression: 'attribute_not_exists(#s) OR size(#s) < :max OR contains(#s, :name)',
          ExpressionAttributeNames: { '#s': 'symbols' },
          ExpressionAttributeValues: { ':symbol': new Set([symbol]), ':max': max, ':name': symbol },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async releaseOpenPosition(symbol: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: globalKey, sk: 'OPEN_POSITIONS' },
        UpdateExpression: 'DELETE #s :symbol',
        ExpressionAttributeNames: { '#s': 'symbols' },
        ExpressionAttributeValues: { ':symbol': new Set([symbol]) },
      }),
    );
  }

  async addRealisedPnl(day: string, orderId: string, pnl: number): Promise<number> {
    // One attribute per order: setting it again on a retry changes nothing.
    const { Attributes = {} } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: globalKey, sk: `PNL#${day}` },
        UpdateExpression: 'SET #fill = :pnl',
        ExpressionAttributeNames: { '#fill': `fill:${orderId}` },
        ExpressionAttributeValues: { ':pnl': pnl },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Object.entries(Attributes)
      .filter(([name]) => name.startsWith('fill:'))
      .reduce((sum, [, value]) => sum + Number(value), 0);
  }

  /** The position, health and kill switch in one consistent `BatchGetItem`. */
  async getTickState(symbol: string): Promise<TickState> {
    const keys = {
      position: positionKey(symbol),
      health: healthKey(symbol),
      control: tradingKey,
    };
    const found = await this.batchGet(Object.values(keys));
    return {
      position: asPosition(symbol, found.get(keyId(keys.position))),
      health: asHealth(symbol, found.get(keyId(keys.health))),
      control: asControl(found.get(keyId(tradingKey))),
    };
  }

  /**
   * The kill switch and every requested health and position in consistent `BatchGetItem` calls
   * of at most 100 keys, {@link DynamoStateStoreOptions.batchGetConcurrency} at a time: a
   * thousand symbols' health costs 11 calls instead of a thousand `GetItem`s.
   */
  async getSymbolStates(request: SymbolStatesRequest): Promise<SymbolStates> {
    const found = await this.batchGet([
      tradingKey,
      ...(request.selection === true ? [selectionKey] : []),
      ...request.health.map(healthKey),
      ...request.positions.map(positionKey),
    ]);
    const selection = found.get(keyId(selectionKey));
    return {
      ...(selection === undefined ? {} : { selection: asSelection(selection) }),
      control: asControl(found.get(keyId(tradingKey))),
      health: new Map(
        request.health.map((s) => [s, asHealth(s, found.get(keyId(healthKey(s))))] as const),
      ),
      positions: new Map(
        request.positions.map((s) => [s, asPosition(s, found.get(keyId(positionKey(s))))] as const),
      ),
    };
  }

  async getControl(): Promise<TradingControl> {
    return asControl(await this.get(tradingKey.pk, tradingKey.sk));
  }

  async putControl(control: TradingControl): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...toItem(control), ...tradingKey },
      }),
    );
  }

  async getSelection(): Promise<PairSelection | undefined> {
    const item = await this.get(selectionKey.pk, selectionKey.sk);
    return item === undefined ? undefined : asSelection(item);
  }

  async putSelection(selection: PairSelection): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...toItem(selection), ...selectionKey },
      }),
    );
  }

  async getHealth(symbol: string): Promise<SymbolHealth> {
    const key = healthKey(symbol);
    return asHealth(symbol, await this.get(key.pk, key.sk));
  }

  async putHealth(next: SymbolHealth): Promise<void> {
    await this.putVersioned(
      { ...toItem(next), ...healthKey(next.symbol) },
      next.version,
      `health of ${next.symbol}`,
    );
  }

  async createOrder(order: OrderRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...toItem(order),
            pk: symbolKey(order.symbol),
            sk: orderKey(order.clientOrderId),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<OrderRecord | undefined> {
    const item = await this.get(symbolKey(symbol), orderKey(clientOrderId));
    return item as unknown as OrderRecord | undefined;
  }

  async updateOrder(next: OrderRecord): Promise<void> {
    await this.putVersioned(
      { ...toItem(next), pk: symbolKey(next.symbol), sk: orderKey(next.clientOrderId) },
      next.version,
      `order ${next.clientOrderId} of ${next.symbol}`,
    );
  }

  async listOrders(symbol: string): Promise<OrderRecord[]> {
    const items = await this.queryPrefix(symbolKey(symbol), 'ORDER#');
    return items as unknown as OrderRecord[];
  }

  /** Overwrites any earlier result of the same tick: a retried tick replaces what it did before. */
  async putTickResult(result: TickResult): Promise<void> {
    const expiresAt = Math.floor(this.clock.now() / 1000) + this.tickResultTtlSeconds;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...toItem(result),
          pk: symbolKey(result.symbol),
          sk: tickKey(result.scheduledAt),
          expiresAt,
        },
      }),
    );
  }

  async getTickResult(symbol: string, scheduledAt: string): Promise<TickResult | undefined> {
    const item = await this.get(symbolKey(symbol), tickKey(scheduledAt));
    return item as unknown as TickResult | undefined;
  }

  /** Tick results of `symbol`, oldest first (ISO times sort as strings). */
  async listTickResults(symbol: string): Promise<TickResult[]> {
    const items = await this.queryPrefix(symbolKey(symbol), 'TICK#');
    return items as unknown as TickResult[];
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /**
   * The items at `keys` (duplicates read once), by {@link keyId}, read consistently in chunks of
   * at most 100 keys, `batchGetConcurrency` chunks at a time. Keys DynamoDB leaves unprocessed
   * (it may, under load or past 16 MB) are asked for again after an exponential backoff; a
   * chunk still incomplete after its last attempt fails the read rather than pass for missing.
   */
  private async batchGet(keys: readonly Key[]): Promise<Map<string, Item>> {
    const unique = [...new Map(keys.map((k) => [keyId(k), { pk: k.pk, sk: k.sk }])).values()];
    const chunks: Key[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
      chunks.push(unique.slice(i, i + BATCH_GET_KEYS));
    }
    const found = new Map<string, Item>();
    await forEachLimited(chunks, this.batchGetConcurrency, async (chunk) => {
      let pending: Record<string, unknown>[] = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) {
          throw new Error(
            `DynamoDB left ${pending.length} of ${chunk.length} keys unread after ${BATCH_GET_ATTEMPTS} BatchGetItem calls`,
          );
        }
        if (attempt > 1) await sleep(10 * 2 ** (attempt - 1));
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          found.set(keyId({ pk: String(item.pk), sk: String(item.sk) }), fromItem(item));
        }
        pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    });
    return found;
  }

  /**
   * Puts `item` as version `version`: the first version only where nothing exists yet, any later
   * one only over its direct predecessor, so two writers that read the same version cannot both
   * win.
   */
  private async putVersioned(item: Item, version: number, what: string): Promise<void> {
    if (!Number.isInteger(version) || version < 1) {
      throw new RangeError(`${what}: version must be an integer >= 1, got ${version}`);
    }
    const expected = version - 1;
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      version === 1
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': expected },
          };
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ...condition }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        const found = version === 1 ? 'it exists already' : 'it is missing or at another version';
        throw new ConflictError(
          `${what}: cannot write version ${version} over version ${expected}, ${found} (another writer got there first)`,
        );
      }
      throw error;
    }
  }

  private async queryPrefix(pk: string, prefix: string): Promise<Item[]> {
    const items = await queryPrefix(this.client, {
      tableName: this.tableName,
      pk,
      prefix,
      pageSize: this.queryPageSize,
    });
    return items.map(fromItem);
  }
}

const controlKey = 'CONTROL';
const globalKey = 'GLOBAL';
const tradingKey: Key = { pk: controlKey, sk: 'TRADING' };
/** The pairs the volume selectors picked, one item for the deployment (well under 400 KB). */
const selectionKey: Key = { pk: globalKey, sk: 'SELECTION' };

function symbolKey(symbol: string): string {
  return `SYM#${symbol}`;
}

function positionKey(symbol: string): Key {
  return { pk: symbolKey(symbol), sk: 'POSITION' };
}

function healthKey(symbol: string): Key {
  return { pk: symbolKey(symbol), sk: 'HEALTH' };
}

/** One string per key, for maps of items read in a batch. */
function keyId(key: Key): string {
  return `${key.pk}|${key.sk}`;
}

function asPosition(symbol: string, item: Item | undefined): Position {
  return item === undefined ? flatPosition(symbol) : (item as unknown as Position);
}

function asHealth(symbol: string, item: Item | undefined): SymbolHealth {
  return item === undefined ? healthyState(symbol) : (item as unknown as SymbolHealth);
}

function asSelection(item: Item): PairSelection {
  const { pk: _pk, sk: _sk, ...selection } = item;
  return selection as unknown as PairSelection;
}

function asControl(item: Item | undefined): TradingControl {
  return item === undefined ? activeTrading : (item as unknown as TradingControl);
}

function tickKey(scheduledAt: string): string {
  return `TICK#${scheduledAt}`;
}

/**
 * A domain object as an item. Optional fields left `undefined` are dropped here because the
 * document client rejects them unless it was built with `removeUndefinedValues`, and an injected
 * client may not have been.
 */
function toItem(value: object): Item {
  return withoutUndefined(value) as Item;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Item = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) out[key] = withoutUndefined(field);
    }
    return out;
  }
  return value;
}

/** An item without the storage keys, so it equals the object that was stored. */
function fromItem(item: Item): Item {
  const out: Item = { ...item };
  for (const key of storageKeys) delete out[key];
  return out;
}
