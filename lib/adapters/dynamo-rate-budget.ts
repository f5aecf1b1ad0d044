import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type BotConfig, rateBudgetRules } from '../config/schema.js';
import {
  type BudgetRequest,
  type BudgetRules,
  type PoolState,
  poolAllowance,
  poolWindow,
  RatePool,
  type Reservation,
  reserveFrom,
  windowStart,
} from '../domain/rate-budget.js';
import type { Clock } from '../ports/clock.js';
import type { RateBudget } from '../ports/rate-budget.js';
import { isConditionFailed } from './dynamo-helpers.js';

/** Options of {@link DynamoRateBudget}. */
export interface DynamoRateBudgetOptions {
  readonly tableName: string;
  /** The exchange whose limits these are: part of the key, so two exchanges never share one. */
  readonly exchange: string;
  readonly rules: BudgetRules;
  readonly clock: Clock;
  /** Defaults to a client for the ambient AWS configuration. */
  readonly client?: DynamoDBDocumentClient;
}

/** DynamoDB requests one adapter made, for a bench to read per tick. */
export interface BudgetRoundTrips {
  /** Conditional UpdateItem calls (reservations, window starts, pauses). */
  writes: number;
  /** GetItem calls (only after a refused reservation, to say until when). */
  reads: number;
}

/** A pool item lives a day past its last write, so a budget nobody uses leaves nothing behind. */
const itemLifetimeSeconds = 86_400;

/**
 * {@link RateBudget} in the state table: one item per exchange and pool (`pk` `BUDGET#<exchange>`,
 * `sk` `REQUESTS` or `ORDERS`) holding the current fixed window's start, the weight drawn in it
 * and the pause a 429/418 set. The deployment is the scope: its trade functions share one
 * account key and one egress IP, and one table.
 *
 * A reservation is one conditional UpdateItem: `ADD used :w` on condition that the item counts
 * the current window, `used` stays within the allowance of the draw's priority, and no pause
 * is running. The first reservation of a window instead starts it (`SET windowStart, used`, on
 * condition that the stored window is older and no pause is running), so a window costs one more
 * round trip once, and each instance remembers the window it last saw to try the likely update
 * first. Only a refusal reads the item back, to say until when (dynalite ignores
 * `ReturnValuesOnConditionCheckFailure`). A pause is one conditional update per pool that only
 * ever moves `pausedUntil` later. No transactions, so it runs on dynalite as on DynamoDB.
 */
export class DynamoRateBudget implements RateBudget {
  /** DynamoDB requests made so far. */
  readonly roundTrips: BudgetRoundTrips = { writes: 0, reads: 0 };
  private readonly tableName: string;
  private readonly pk: string;
  private readonly rules: BudgetRules;
  private readonly clock: Clock;
  private readonly client: DynamoDBDocumentClient;
  /** The window each pool's item counted when this instance last drew from it. */
  private readonly lastWindow = new Map<string, number>();

  constructor(options: DynamoRateBudgetOptions) {
    this.tableName = options.tableName;
    this.pk = `BUDGET#${options.exchange}`;
    this.rules = options.rules;
    this.clock = options.clock;
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
  }

  async reserve(request: BudgetRequest): Promise<Reservation> {
    const now = this.clock.now();
    const window = poolWindow(this.rules, request.pool);
    const start = windowStart(now, window.windowMs);
    const allowance = poolAllowance(window, this.rules.share, request.priority);
    if (request.weight <= 0) return { granted: true };
    if (request.weight > allowance) {
      return { granted: false, reason: 'exhausted', retryAt: start + window.windowMs };
    }
    const draw = { pool: request.pool, weight: request.weight, now, start, allowance };
    const startsWindow = this.lastWindow.get(request.pool) !== start;
    // Two tries cover a race with another instance starting the same window in between.
    for (let attempt = 0; attempt < 2; attempt++) {
      const first = startsWindow ? this.startWindow(draw) : this.add(draw);
      if (await first) return this.granted(request.pool, start);
      const second = startsWindow ? this.add(draw) : this.startWindow(draw);
      if (await second) return this.granted(request.pool, start);
      const stored = await this.read(request.pool);
      const answer = reserveFrom(stored, request, now, this.rules).reservation;
      if (!answer.granted) return answer;
    }
    // The item kept moving under us: say so as a full window, which the caller may wait out.
    return { granted: false, reason: 'exhausted', retryAt: start + window.windowMs };
  }

  async pause(untilMs: number): Promise<void> {
    await Promise.all(
      [RatePool.Requests, RatePool.Orders].map(async (pool) => {
        this.roundTrips.writes += 1;
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: this.key(pool),
              UpdateExpression: 'SET pausedUntil = :until, expiresAt = :expires',
              ConditionExpression: 'attribute_not_exists(pausedUntil) OR pausedUntil < :until',
              ExpressionAttributeValues: {
                ':until': untilMs,
                ':expires': this.expiresAt(untilMs),
              },
            }),
          );
        } catch (error) {
          // A longer pause is already set: it stands.
          if (!isConditionFailed(error)) throw error;
        }
      }),
    );
  }

  private granted(pool: RatePool, start: number): Reservation {
    this.lastWindow.set(pool, start);
    return { granted: true };
  }

  /** Draws from the window the item already counts; false when the condition refused it. */
  private add(draw: Draw): Promise<boolean> {
    return this.conditional({
      Key: this.key(draw.pool),
      UpdateExpression: 'SET expiresAt = :expires ADD used :weight',
      ConditionExpression:
        'windowStart = :start AND used <= :room AND ' +
        '(attribute_not_exists(pausedUntil) OR pausedUntil <= :now)',
      ExpressionAttributeValues: {
        ':weight': draw.weight,
        ':start': draw.start,
        ':room': draw.allowance - draw.weight,
        ':now': draw.now,
        ':expires': this.expiresAt(draw.now),
      },
    });
  }

  /** Starts the current window with this draw; false when the item already counts it or later. */
  private startWindow(draw: Draw): Promise<boolean> {
    return this.conditional({
      Key: this.key(draw.pool),
      UpdateExpression: 'SET windowStart = :start, used = :weight, expiresAt = :expires',
      ConditionExpression:
        '(attribute_not_exists(windowStart) OR windowStart < :start) AND ' +
        '(attribute_not_exists(pausedUntil) OR pausedUntil <= :now)',
      ExpressionAttributeValues: {
        ':weight': draw.weight,
        ':start': draw.start,
        ':now': draw.now,
        ':expires': this.expiresAt(draw.now),
      },
    });
  }

  private async conditional(
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'Key' | 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    this.roundTrips.writes += 1;
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...update }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  private async read(pool: RatePool): Promise<PoolState | undefined> {
    this.roundTrips.reads += 1;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(pool), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const pausedUntil = Item.pausedUntil as number | undefined;
    return {
      windowStart: Number(Item.windowStart ?? 0),
      used: Number(Item.used ?? 0),
      ...(pausedUntil === undefined ? {} : { pausedUntil: Number(pausedUntil) }),
    };
  }

  private key(pool: RatePool): { pk: string; sk: string } {
    return { pk: this.pk, sk: pool.toUpperCase() };
  }

  private expiresAt(fromMs: number): number {
    return Math.ceil(fromMs / 1000) + itemLifetimeSeconds;
  }
}

interface Draw {
  readonly pool: RatePool;
  readonly weight: number;
  readonly now: number;
  readonly start: number;
  readonly allowance: number;
}

/**
 * The budget of `config`'s exchange in the state table, or undefined when `rateBudget.enabled`
 * is off.
 */
export function createRateBudget(options: {
  readonly tableName: string;
  readonly config: BotConfig;
  readonly clock: Clock;
  readonly client?: DynamoDBDocumentClient;
}): DynamoRateBudget | undefined {
  const { config, tableName, clock, client } = options;
  if (!config.rateBudget.enabled) return undefined;
  return new DynamoRateBudget({
    tableName,
    exchange: config.exchange.id,
    rules: rateBudgetRules(config),
    clock,
    ...(client === undefined ? {} : { client }),
  });
}
