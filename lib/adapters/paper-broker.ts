import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { defaultFeeRate } from '../domain/fee-rate.js';
import { paperFillCost, roundAmount } from '../domain/paper-fill.js';
import { Side } from '../domain/signal.js';
import { stopFillPrice } from '../domain/stop.js';
import {
  type Broker,
  OrderRejectedError,
  type OrderReport,
  type OrderRequest,
  OrderStatus,
  type StopOrderRequest,
} from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import { isConditionFailed, orderKey, queryPrefix } from './dynamo-helpers.js';

/** The two currencies of a market. */
export interface MarketCurrencies {
  readonly base: string;
  readonly quote: string;
}

/** Options of {@link PaperBroker}. */
export interface PaperBrokerOptions {
  readonly tableName: string;
  /** Defaults to a client for the ambient AWS configuration. */
  readonly client?: DynamoDBDocumentClient;
  /** Fee rate charged on each fill's notional, in the quote currency. Default 0.001. */
  readonly feeRate?: number;
  /** Starting balance of each currency, used the first time the account touches it. */
  readonly balances?: Readonly<Record<string, number>>;
  /** Base and quote of a symbol; defaults to splitting `BASE/QUOTE`. */
  readonly markets?: (symbol: string) => MarketCurrencies;
  /** Dates the fills; defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * The closed candles of `symbol` opened at `since` or later, which a paper stop is checked
   * against (the exchange's own candles of the symbol's timeframe). Without it paper stops rest
   * and never trigger.
   */
  readonly stopCandles?: (
    symbol: string,
    since: number,
    timeoutMs: number,
  ) => Promise<readonly Candle[]>;
}

/** A paper order as stored: the report plus what it traded. */
interface PaperOrderItem extends OrderReport {
  readonly symbol: string;
  readonly side: Side;
  readonly filledAt: string;
  /** Set on a stop: its trigger, when it was placed (epoch ms) and how much it sells. */
  readonly stopPrice?: number;
  readonly placedAt?: number;
  readonly amount?: number;
}

const ACCOUNT_PK = 'PAPER';

/**
 * A {@link Broker} that fills every market order at once at its reference price, keeping a paper
 * account in the state table: balances at pk `PAPER`, sk `BAL#<currency>` and orders at pk
 * `PAPER`, sk `ORDER#<clientOrderId>`.
 *
 * An order fills at most once per client id: the order item is written first, conditionally,
 * and a repeat of the same id returns the stored report instead of trading again.
 */
export class PaperBroker implements Broker {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly feeRate: number;
  private readonly startingBalances: Readonly<Record<string, number>>;
  private readonly markets: (symbol: string) => MarketCurrencies;
  private readonly clock: Clock;
  private readonly stopCandles: PaperBrokerOptions['stopCandles'];
  /** Currencies whose balance item is known to exist, to skip the initialising write. */
  private readonly initialised = new Set<string>();

  constructor(options: PaperBrokerOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
    this.feeRate = options.feeRate ?? defaultFeeRate;
    this.startingBalances = options.balances ?? {};
    this.markets = options.markets ?? currenciesOf;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.stopCandles = options.stopCandles;
  }

  /**
   * Fills `request` at its reference price, or returns the earlier fill of the same client id.
   *
   * Writes, in this order: (1) the order item, status `filled`, only if the id is new; (2) the
   * debit, only if the balance covers it; (3) the credit. Because (1) comes first and is
   * conditional, no crash or retry can fill an order twice. The remaining window is a crash
   * after (1) and before (3) finishes: the order then stands as filled while the balances have
   * moved only partly or not at all, and a retry returns the stored report without repairing
   * them. Only the paper balances drift; positions are kept by the caller from the report, so
   * trading decisions are unaffected. Closing the window needs a transaction, which dynalite
   * lacks (DESIGN.md, "State").
   *
   * The writes are not cut short at `timeoutMs`: aborting between them would open that window
   * on every timeout instead of only on a crash, and they are a few local table writes.
   */
  async placeMarketOrder(request: OrderRequest): Promise<OrderReport> {
    const { base, quote } = this.markets(request.symbol);
    if (!(request.amount > 0) || !Number.isFinite(request.amount)) {
      throw new OrderRejectedError(`amount must be a positive number, got ${request.amount}`);
    }
    if (!(request.referencePrice > 0) || !Number.isFinite(request.referencePrice)) {
      throw new OrderRejectedError(
        `referencePrice must be a positive number, got ${request.referencePrice}`,
      );
    }
    const earlier = await this.getOrderItem(request.clientOrderId);
    if (earlier !== undefined) return toReport(earlier);

    const { notional, fee } = paperFillCost(request.amount, request.referencePrice, this.feeRate);
    const isBuy = request.side === Side.Buy;
    const debit = isBuy
      ? { currency: quote, amount: roundAmount(notional + fee) }
      : { currency: base, amount: request.amount };
    const credit = isBuy
      ? { currency: base, amount: request.amount }
      : { currency: quote, amount: roundAmount(notional - fee) };

    await this.initialiseBalance(debit.currency);
    await this.initialiseBalance(credit.currency);
    // Checked before anything is written, so a refused order leaves no trace in the common case.
    const have = await this.balance(debit.currency);
    if (have < debit.amount) throw insufficient(debit.currency, debit.amount, have);

    const item: PaperOrderItem = {
      clientOrderId: request.clientOrderId,
      exchangeOrderId: `paper-${request.clientOrderId}`,
      status: OrderStatus.Filled,
      filledAmount: request.amount,
      averagePrice: request.referencePrice,
      fee,
      symbol: request.symbol,
      side: request.side,
      filledAt: new Date(this.clock.now()).toISOString(),
    };
    const winner = await this.putNewOrder(item);
    // A concurrent call with the same id won; its fill is this order's fill.
    if (winner !== undefined) return toReport(winner);

    try {
      await this.move(debit.currency, -debit.amount);
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Another order spent the balance between the check and the debit: take the order back so
      // a refused order leaves nothing recorded, as when the check itself refuses it.
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: ACCOUNT_PK, sk: orderKey(request.clientOrderId) },
        }),
      );
      throw insufficient(debit.currency, debit.amount, await this.balance(debit.currency));
    }
    await this.move(credit.currency, credit.amount);
    return toReport(item);
  }

  /**
   * Rests a paper sell stop: recorded `open`, once per client id, checked against the candles
   * that close after it by the simulator's and the backtest's rule ({@link stopFillPrice})
   * whenever it is looked up or cancelled. Nothing is locked; the sell is booked when it fills.
   */
  async placeStopOrder(request: StopOrderRequest): Promise<OrderReport> {
    if (!(request.amount > 0) || !(request.stopPrice > 0)) {
      throw new OrderRejectedError(
        `a stop needs a positive amount and stop price, got ${request.amount} at ${request.stopPrice}`,
      );
    }
    const earlier = await this.getOrderItem(request.clientOrderId);
    if (earlier !== undefined) return toReport(earlier);
    const now = this.clock.now();
    const item: PaperOrderItem = {
      clientOrderId: request.clientOrderId,
      exchangeOrderId: `paper-${request.clientOrderId}`,
      status: OrderStatus.Open,
      filledAmount: 0,
      averagePrice: 0,
      fee: 0,
      symbol: request.symbol,
      side: Side.Sell,
      filledAt: '',
      stopPrice: request.stopPrice,
      placedAt: now,
      amount: request.amount,
    };
    return toReport((await this.putNewOrder(item)) ?? item);
  }

  /**
   * Writes a new order item, only if its client id is new; returns the item already stored
   * under that id when another call got there first, undefined when this one was written.
   */
  private async putNewOrder(item: PaperOrderItem): Promise<PaperOrderItem | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...item, pk: ACCOUNT_PK, sk: orderKey(item.clientOrderId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const winner = await this.getOrderItem(item.clientOrderId);
      if (winner === undefined) throw error;
      return winner;
    }
  }

  /** Cancels a resting paper stop; one that has filled by now is reported filled. */
  async cancelOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined> {
    const item = await this.findItem(symbol, clientOrderId, timeoutMs);
    if (item === undefined || item.status !== OrderStatus.Open) {
      return item === undefined ? undefined : toReport(item);
    }
    const cancelled = await this.moveStop(item, { status: OrderStatus.Cancelled });
    return toReport(cancelled ?? (await this.getOrderItem(clientOrderId)) ?? item);
  }

  async findOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined> {
    const item = await this.findItem(symbol, clientOrderId, timeoutMs);
    return item === undefined ? undefined : toReport(item);
  }

  /** The order item of `symbol`, a resting stop first filled if a candle has reached it. */
  private async findItem(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<PaperOrderItem | undefined> {
    const started = performance.now();
    const item = await this.getOrderItem(
      clientOrderId,
      AbortSignal.timeout(Math.max(0, timeoutMs)),
    );
    if (item === undefined || item.symbol !== symbol) return undefined;
    if (item.status !== OrderStatus.Open || item.stopPrice === undefined) return item;
    const left = Math.floor(timeoutMs - (performance.now() - started));
    return (await this.triggerStop(item, left)) ?? item;
  }

  /**
   * Fills a resting stop at the first candle since its placement that reached it: the stop item
   * moves from `open` to `filled` conditionally (so a stop fills once), then the base is debited
   * and the quote credited, as a market sell is booked. Undefined when nothing reached it.
   */
  private async triggerStop(
    item: PaperOrderItem,
    timeoutMs: number,
  ): Promise<PaperOrderItem | undefined> {
    const { stopPrice, placedAt, amount } = item;
    if (this.stopCandles === undefined || stopPrice === undefined || placedAt === undefined) {
      return undefined;
    }
    if (amount === undefined || timeoutMs <= 0) return undefined;
    const candles = await this.stopCandles(item.symbol, placedAt, timeoutMs);
    const now = this.clock.now();
    for (const candle of candles) {
      const price = stopFillPrice(candle, stopPrice);
      if (price === undefined) continue;
      const { notional, fee } = paperFillCost(amount, price, this.feeRate);
      const filled = await this.moveStop(item, {
        status: OrderStatus.Filled,
        filledAmount: amount,
        averagePrice: price,
        fee,
        filledAt: new Date(Math.max(placedAt, Math.min(candle.time, now))).toISOString(),
      });
      if (filled === undefined) return this.getOrderItem(item.clientOrderId);
      const { base, quote } = this.markets(item.symbol);
      await this.initialiseBalance(base);
      await this.initialiseBalance(quote);
      // A paper account may be short of what the stop sells (balances drift, see
      // placeMarketOrder); the fill stands, as the position it protects is the caller's record.
      await this.move(base, -amount).catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
      await this.move(quote, roundAmount(notional - fee));
      return filled;
    }
    return undefined;
  }

  /** Moves a resting stop on, only if it is still open; undefined when it no longer was. */
  private async moveStop(
    item: PaperOrderItem,
    changes: Partial<PaperOrderItem>,
  ): Promise<PaperOrderItem | undefined> {
    const next: PaperOrderItem = { ...item, ...changes };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...next, pk: ACCOUNT_PK, sk: orderKey(item.clientOrderId) },
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': OrderStatus.Open },
        }),
      );
      return next;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      return undefined;
    }
  }

  /**
   * Balances of the paper account by currency: the stored ones, plus the starting balance of
   * each currency not traded yet.
   */
  async paperBalances(): Promise<Record<string, number>> {
    const balances: Record<string, number> = { ...this.startingBalances };
    const items = await queryPrefix(this.client, {
      tableName: this.tableName,
      pk: ACCOUNT_PK,
      prefix: 'BAL#',
    });
    for (const item of items) balances[String(item.currency)] = Number(item.balance);
    return balances;
  }

  private async getOrderItem(
    clientOrderId: string,
    abortSignal?: AbortSignal,
  ): Promise<PaperOrderItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: ACCOUNT_PK, sk: orderKey(clientOrderId) },
        ConsistentRead: true,
      }),
      { abortSignal },
    );
    return Item as PaperOrderItem | undefined;
  }

  /** Creates the balance item of `currency` at its starting balance unless it exists. */
  private async initialiseBalance(currency: string): Promise<void> {
    if (this.initialised.has(currency)) return;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: ACCOUNT_PK,
            sk: balanceKey(currency),
            currency,
            balance: this.startingBalances[currency] ?? 0,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    this.initialised.add(currency);
  }

  private async balance(currency: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: ACCOUNT_PK, sk: balanceKey(currency) },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.balance ?? 0);
  }

  /**
   * Adds `delta` to a balance in one atomic ADD; a debit is conditional on the balance covering
   * it, so concurrent orders cannot overdraw the account.
   */
  private async move(currency: string, delta: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: ACCOUNT_PK, sk: balanceKey(currency) },
        UpdateExpression: 'ADD #balance :delta',
        ...(delta < 0
          ? {
              ConditionExpression: '#balance >= :need',
              ExpressionAttributeValues: { ':delta': delta, ':need': -delta },
            }
          : { ExpressionAttributeValues: { ':delta': delta } }),
        ExpressionAttributeNames: { '#balance': 'balance' },
      }),
    );
  }
}

/**
 * The `stopCandles` of a paper broker trading on `market`: the closed candles of the symbol's
 * own timeframe from the one open when the stop was placed, as many as one request serves.
 */
export function stopCandlesFrom(
  market: MarketData,
  timeframeOf: (symbol: string) => Timeframe,
): NonNullable<PaperBrokerOptions['stopCandles']> {
  return (symbol, placedAt, timeoutMs) => {
    const timeframe = timeframeOf(symbol);
    const length = timeframeMs(timeframe);
    const since = Math.floor(placedAt / length) * length;
    return market.fetchCandles({ symbol, timeframe, since, limit: 500, timeoutMs });
  };
}

/** Splits `BASE/QUOTE` (ccxt's unified spot symbol). */
function currenciesOf(symbol: string): MarketCurrencies {
  const [base, quote, ...rest] = symbol.split('/');
  if (base === undefined || quote === undefined || base === '' || quote === '' || rest.length > 0) {
    throw new OrderRejectedError(`symbol must look like BASE/QUOTE, got ${JSON.stringify(symbol)}`);
  }
  return { base, quote };
}

function toReport(item: PaperOrderItem): OrderReport {
  const fillTime = item.filledAt === '' ? Number.NaN : Date.parse(item.filledAt);
  return {
    clientOrderId: item.clientOrderId,
    exchangeOrderId: item.exchangeOrderId,
    status: item.status,
    filledAmount: item.filledAmount,
    averagePrice: item.averagePrice,
    fee: item.fee,
    ...(item.filledAmount > 0 && Number.isFinite(fillTime) ? { fillTime } : {}),
  };
}

function insufficient(currency: string, need: number, have: number): OrderRejectedError {
  return new OrderRejectedError(`insufficient ${currency} balance: need ${need}, have ${have}`);
}

function balanceKey(currency: string): string {
  return `BAL#${currency}`;
}
