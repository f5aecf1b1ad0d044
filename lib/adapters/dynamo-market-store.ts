import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
} from '@aws-sdk/lib-dynamodb';
import type { MarketRecord, MarketStore, StoredMarket } from '../ports/market-store.js';

/** Options of {@link DynamoMarketStore}. */
export interface DynamoMarketStoreOptions {
  readonly tableName: string;
  /** Defaults to a client for the ambient AWS configuration. */
  readonly client?: DynamoDBDocumentClient;
  /** Waits between the attempts at keys DynamoDB left unprocessed; default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** DynamoDB's most keys in one BatchGetItem and items in one BatchWriteItem. */
const getBatch = 100;
const writeBatch = 25;
/** Attempts at the keys or items DynamoDB leaves unprocessed (it may under load). */
const maxAttempts = 6;

type Item = Record<string, unknown>;

/**
 * {@link MarketStore} on the state table: one item per symbol at pk `SYM#<symbol>`, sk `MARKET`,
 * next to the symbol's position and health, so that a thousand containers reading their
 * symbol's rules at once spread over as many partitions. The rules travel as one JSON string:
 * ccxt's market holds `undefined`s, `null`s and numbers such as 1e-8 that JSON carries exactly and
 * unchanged, where a map attribute would need each cleaned and converted.
 *
 * Reads are eventually consistent: rules change once a refresh period at most, and a copy a
 * second old is as good as a fresh one at half the read cost.
 */
export class DynamoMarketStore implements MarketStore {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoMarketStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async getMarket(symbol: string): Promise<StoredMarket | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: marketKey(symbol) }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /** Reads in BatchGetItem calls of 100 keys, asking again for any key left unprocessed. */
  async getMarkets(symbols: readonly string[]): Promise<ReadonlyMap<string, StoredMarket>> {
    const found = new Map<string, StoredMarket>();
    for (const chunk of chunks([...new Set(symbols)], getBatch)) {
      let pending: Item[] = chunk.map(marketKey);
      for (let attempt = 0; pending.length > 0; attempt++) {
        await this.backOff(attempt, pending.length, 'unread');
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const market = fromItem(item);
          found.set(market.symbol, market);
        }
        pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  /** Writes in BatchWriteItem calls of 25 items, sending again what DynamoDB left unprocessed. */
  async putMarkets(markets: readonly StoredMarket[]): Promise<void> {
    for (const chunk of chunks(markets, writeBatch)) {
      let pending = chunk.map((market) => ({ PutRequest: { Item: toItem(market) } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        await this.backOff(attempt, pending.length, 'unwritten');
        const { UnprocessedItems } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  private async backOff(attempt: number, left: number, what: string): Promise<void> {
    if (attempt === 0) return;
    if (attempt >= maxAttempts) {
      throw new Error(`DynamoDB left ${left} market items ${what} after ${maxAttempts} attempts`);
    }
    await this.sleep(10 * 2 ** attempt);
  }
}

function marketKey(symbol: string): { pk: string; sk: string } {
  return { pk: `SYM#${symbol}`, sk: 'MARKET' };
}

function toItem(market: StoredMarket): Item {
  return {
    ...marketKey(market.symbol),
    symbol: market.symbol,
    active: market.active,
    fetchedAt: market.fetchedAt,
    ...(market.rules === undefined ? {} : { rules: JSON.stringify(market.rules) }),
  };
}

function fromItem(item: Item): StoredMarket {
  const rules =
    typeof item.rules === 'string' ? (JSON.parse(item.rules) as MarketRecord) : undefined;
  return {
    symbol: String(item.symbol),
    active: item.active === true,
    fetchedAt: Number(item.fetchedAt),
    ...(rules === undefined ? {} : { rules }),
  };
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
