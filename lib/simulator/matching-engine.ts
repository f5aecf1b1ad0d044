import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { defaultFeeRate } from '../domain/fee-rate.js';
import { stopFillPrice } from '../domain/stop.js';
import { isMultipleOf, type MarketRules, roundToWire } from '../market-data/market-rules.js';
import { firstIndexAtOrAfter, lastIndexAtOrBefore } from '../market-data/ohlcv-data.js';
import type { Clock } from '../ports/clock.js';
import { aggregatedSeries, mergeCandles, servesTimeframe } from './candle-aggregation.js';
import { checkFault, FaultDice, type SimFault } from './faults.js';
import type { SimMarket } from './sim-markets.js';

/** Where an order stands on the simulated exchange. */
export type SimOrderStatus = 'filled' | 'open' | 'cancelled';

/** An order the simulator holds: a market order (always filled) or a resting stop. */
export interface SimOrder {
  /** Unified symbol, e.g. `LTC/BTC`. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** `market` fills at once; `stop` rests until a candle reaches its `stopPrice`. */
  readonly type: 'market' | 'stop';
  readonly status: SimOrderStatus;
  readonly amount: number;
  /** The fill's price; 0 while nothing is filled. */
  readonly price: number;
  /** Fee in the quote currency. */
  readonly fee: number;
  readonly clientOrderId: string;
  readonly orderId: number;
  /** A stop's trigger price. */
  readonly stopPrice?: number;
  /** Simulated time the order was placed, epoch ms. */
  readonly placedAt: number;
  /** Simulated time of the fill, or of the placement while unfilled, epoch ms. */
  readonly time: number;
  /** Simulated time of the last change (fill or cancel), epoch ms. */
  readonly updatedAt: number;
  /** Open time of the candle a stop filled in. */
  readonly fillCandleTime?: number;
}

/** A sell stop as the engine takes it: `amount` of the base, sold at market once triggered. */
export interface StopOrderRequest {
  readonly symbol: string;
  readonly side: 'sell';
  readonly amount: number;
  readonly stopPrice: number;
  /** The client's id; default `sim-<orderId>`. Unique across the account. */
  readonly clientOrderId?: string;
}

/**
 * Everything a {@link MatchingEngine} holds of its account, as plain data: what a local run keeps
 * on disk so that a run killed at any moment resumes on the exchange its client saw.
 */
export interface EngineState {
  /** Every order placed, whatever became of it, in placement order. */
  readonly orders: readonly SimOrder[];
  /** The ids of the filled orders, in the order they filled. */
  readonly fills: readonly number[];
  /** Free balances by currency. */
  readonly balances: Readonly<Record<string, number>>;
  /** What resting orders lock, by currency. */
  readonly locked: Readonly<Record<string, number>>;
  /** Each resting stop's id, with the index of the next candle to check it against. */
  readonly resting: readonly (readonly [number, number])[];
  readonly nextOrderId: number;
}

/** What an API key may do; each wire reports it in its exchange's shape. */
export interface ApiRestrictions {
  readonly ipRestrict: boolean;
  readonly enableReading: boolean;
  readonly enableSpotAndMarginTrading: boolean;
  readonly enableWithdrawals: boolean;
  readonly enableInternalTransfer: boolean;
  readonly enableMargin: boolean;
  readonly enableFutures: boolean;
  readonly permitsUniversalTransfer: boolean;
  /** The addresses the key is restricted to; meaningful while `ipRestrict` is on. */
  readonly ipList: readonly string[];
}

/** A key that may read and trade spot, and nothing else: what tickfan asks for. */
export const tradingOnlyKey: ApiRestrictions = {
  ipRestrict: true,
  enableReading: true,
  enableSpotAndMarginTrading: true,
  enableWithdrawals: false,
  enableInternalTransfer: false,
  enableMargin: false,
  enableFutures: false,
  permitsUniversalTransfer: false,
  // The simulator is reached on loopback, so that is the address a local key is bound to.
  ipList: ['127.0.0.1'],
};

/** Why the engine refused a request; each wire maps these to its exchange's error codes. */
export const Refusal = {
  UnknownSymbol: 'unknown-symbol',
  UnknownTimeframe: 'unknown-timeframe',
  NoPrice: 'no-price',
  LotSize: 'lot-size',
  MinNotional: 'min-notional',
  InsufficientBalance: 'insufficient-balance',
  DuplicateClientOrderId: 'duplicate-client-order-id',
  UnknownOrder: 'unknown-order',
  OrderNotOpen: 'order-not-open',
  PriceFilter: 'price-filter',
  WouldTriggerImmediately: 'would-trigger-immediately',
} as const;
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

/** A request the engine refused as the exchange would: the client gets an error answer. */
export class EngineRefusalError extends Error {
  constructor(
    readonly reason: Refusal,
    message: string,
  ) {
    super(message);
    this.name = 'EngineRefusalError';
  }
}

/** A market order as the engine takes it: an amount in the base, or a cost in the quote. */
export type MarketOrderRequest = {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** The client's id; default `sim-<orderId>`. Unique across the account. */
  readonly clientOrderId?: string;
} & ({ readonly amount: number } | { readonly quoteAmount: number });

/** Which order: by the exchange's id, by the client's id, or by both (both must match). */
export interface OrderRef {
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

/** What the server does with a request, as the faults in force decide it. */
export type Admission =
  /** Accept and never answer. */
  | { readonly kind: 'hang' }
  /** Answer as the gateway in front of the exchange does when it is down. */
  | { readonly kind: 'unavailable' }
  /** Answer the exchange's rate-limit error, asking the client to wait. */
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number }
  | {
      readonly kind: 'serve';
      /** Answer this much later (the request itself is carried out on arrival). */
      readonly delayMs: number;
      /** Send the status and half the body, then nothing more. */
      readonly stall: boolean;
      /** Carry the order out, then drop the connection unanswered. */
      readonly loseResponse: boolean;
    };

/**
 * One market's figures over a window of its shortest timeframe's candles, as an exchange's
 * 24-hour ticker states them. The candle files hold no trades, so the figures are the candles':
 * the quote volume of a candle is its close times its volume, as the wires' candle rows
 * estimate it, and the vwap is the window's quote volume over its base volume.
 */
export interface SimTicker {
  readonly symbol: string;
  /** Open time of the window's first candle, epoch ms. */
  readonly openTime: number;
  /** Close time of the window's newest candle (the newest closed at now), epoch ms. */
  readonly closeTime: number;
  /** The close of the newest candle closed at now: what a market order would fill at. */
  readonly last: number;
  /** The open of the window's first candle; `last` over a window without candles. */
  readonly open: number;
  readonly high: number;
  readonly low: number;
  /** Sum of the window's candle volumes, times the market's volume scale. */
  readonly baseVolume: number;
  /**
   * Sum of the window's candles' close times volume, times the market's volume scale (a
   * synthetic market's: its source's times its price factor, see `SimMarket.replay`).
   */
  readonly quoteVolume: number;
  /** `quoteVolume / baseVolume`; `last` over a window without volume. */
  readonly vwap: number;
  /** How many candles the window holds. */
  readonly candles: number;
}

/** The window of an exchange's 24-hour ticker. */
const tickerWindowMs = 24 * 60 * 60_000;

/** How to build a {@link MatchingEngine}. */
export interface MatchingEngineOptions {
  /** The engine's notion of now: it serves history up to it and fills at its prices. */
  readonly clock: Clock;
  /** Taker fee rate charged on every fill, in the quote currency; default 0.001. */
  readonly feeRate?: number;
  /** Starting balances; default `{ BTC: 1, ETH: 10, USDT: 10000 }`. */
  readonly balances?: Readonly<Record<string, number>>;
  /** Seed of the generator deciding which requests rate-based faults hit; default 1. */
  readonly seed?: number;
  /** What the account's API key may do. */
  readonly apiRestrictions?: Partial<ApiRestrictions>;
  /**
   * How long a client order id stays taken: `always` (Binance refuses any id it has seen), or
   * `while-open` (OKX and Kraken refuse an id only while an order under it is open; once it has
   * filled or been cancelled, a new order may take it). Default `always`.
   */
  readonly clientIdsUnique?: ClientIdUniqueness;
}

/** See {@link MatchingEngineOptions.clientIdsUnique}. */
export type ClientIdUniqueness = 'always' | 'while-open';

const defaultBalances: Readonly<Record<string, number>> = { BTC: 1, ETH: 10, USDT: 10_000 };

/** Retry-After of a simulated 429: the shortest an exchange asks for. */
const rateLimitRetryAfterSeconds = 1;

/**
 * The exchange behind every wire: markets with their candles and rules on a simulated clock,
 * one account's balances, orders and fills, and the faults injected per symbol. It speaks no
 * HTTP and no exchange's JSON: a wire (`ExchangeWire`, one file per exchange) translates both
 * ways, and the HTTP server carries the faults' effects out on the connection.
 *
 * Market orders fill at once, in full, at the **close of the newest candle closed at now** on
 * the symbol's shortest timeframe: the last price a bot deciding on closed candles has seen,
 * which makes every fill deterministic. The fee is charged in the quote currency.
 *
 * Sell stops rest, their amount locked out of the free balance, until a candle of the symbol's
 * shortest timeframe reaches them: from the candle open at their placement on, each candle is
 * checked once it has closed, and the first whose low reaches the stop fills it by
 * {@link stopFillPrice} (at the stop, or at the open after a gap), in full, before anything else
 * the engine is asked. A resting stop can be cancelled; a filled or cancelled one cannot.
 *
 * Faults set with {@link MatchingEngine.setFault} reach the requests naming their symbol; `'*'`
 * faults reach every request whose symbol has no fault of its own.
 */
export class MatchingEngine {
  /** The API key's permissions; tests change them to see preflight refuse a key. */
  restrictions: ApiRestrictions;
  /** The fee rate charged on every fill. */
  readonly feeRate: number;
  /** Unified symbols served, sorted. */
  readonly symbols: readonly string[];

  private readonly bySymbol: ReadonlyMap<string, SimMarket>;
  /** Fills in the order they happened. */
  private readonly filled: SimOrder[] = [];
  /** Every order ever placed, in placement order. */
  private readonly placed: SimOrder[] = [];
  private readonly byOrderId = new Map<number, SimOrder>();
  private readonly byClientOrderId = new Map<string, SimOrder>();
  /** Free balances; what resting stops hold is in `locked`. */
  private readonly account = new Map<string, number>();
  private readonly locked = new Map<string, number>();
  /** Resting stops, with the index of the next candle to check each against. */
  private readonly resting = new Map<number, number>();
  private readonly faults = new Map<string, SimFault>();
  /** Factors the tickers' volumes of a market are multiplied by; 1 when absent. */
  private readonly volumeScales = new Map<string, number>();
  private readonly dice: FaultDice;
  private readonly clock: Clock;
  private readonly clientIdsUnique: ClientIdUniqueness;
  private nextOrderId = 1;
  private readonly changeListeners: (() => void)[] = [];
  /**
   * Series built from a market's finest candles, per market and timeframe, on first request: a
   * run of 10,000 synthetic markets pays for none it does not ask for.
   */
  private readonly aggregates = new Map<SimMarket, Map<Timeframe, readonly Candle[]>>();

  constructor(markets: readonly SimMarket[], options: MatchingEngineOptions) {
    this.bySymbol = new Map(markets.map((m) => [m.symbol, m]));
    this.symbols = markets.map((m) => m.symbol).sort();
    this.clock = options.clock;
    this.feeRate = options.feeRate ?? defaultFeeRate;
    this.dice = new FaultDice(options.seed ?? 1);
    this.restrictions = { ...tradingOnlyKey, ...options.apiRestrictions };
    this.clientIdsUnique = options.clientIdsUnique ?? 'always';
    for (const [asset, amount] of Object.entries(options.balances ?? defaultBalances)) {
      this.account.set(asset, amount);
    }
  }

  /** Simulated now, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** Every market served, in load order. */
  markets(): readonly SimMarket[] {
    return [...this.bySymbol.values()];
  }

  /** The market of `symbol`; throws a RangeError naming what is served when there is none. */
  market(symbol: string): SimMarket {
    const market = this.bySymbol.get(symbol);
    if (market === undefined) {
      throw new RangeError(
        `the simulator does not serve ${symbol}; it serves ${this.symbols.join(', ') || 'nothing'}`,
      );
    }
    return market;
  }

  /**
   * The candles of `symbol` in `timeframe` (default: its shortest), oldest first, each with its
   * final values: a file's, or those its finest candles build (see {@link serves}). Throws a
   * RangeError for a timeframe it does not serve.
   */
  candles(symbol: string, timeframe?: Timeframe): readonly Candle[] {
    const market = this.market(symbol);
    const served = this.seriesOf(market, timeframe ?? market.finest);
    if (served === undefined) {
      throw new RangeError(`the simulator has no ${timeframe} candles of ${symbol}`);
    }
    return served.candles;
  }

  /**
   * True when the engine serves `symbol` in `timeframe`, as an exchange serves any interval it
   * lists for every market: a timeframe the market has a file of, or one of tickfan's timeframes
   * whose length is a whole multiple of its finest, built from its finest candles in buckets
   * opened on UTC epoch multiples (a file of the timeframe wins). False for an unknown symbol.
   */
  serves(symbol: string, timeframe: string): boolean {
    const market = this.bySymbol.get(symbol);
    return market !== undefined && servesTimeframe(market, timeframe);
  }

  /** The shortest timeframe the engine has candles of `symbol` in. */
  timeframe(symbol: string): Timeframe {
    return this.market(symbol).finest;
  }

  /** The trading rules of `symbol`. */
  rules(symbol: string): MarketRules {
    return this.market(symbol).rules;
  }

  /**
   * The candles of `symbol` in `timeframe` an exchange would serve now: none opened after now.
   * The one opened at or before now is still forming: a file's shows its final values; one built
   * from the finest candles sums those opened by now, each as the finest series serves it (so a
   * bucket whose finest candles all open after now is not served yet).
   * With `startTime`, the first `limit` from it; without, the newest `limit` up to `endTime`.
   * Candles missing from the data stay missing, as on an exchange. Refuses a timeframe it does
   * not serve (see {@link serves}).
   */
  servedCandles(
    symbol: string,
    timeframe: Timeframe,
    range: { readonly startTime?: number; readonly endTime?: number; readonly limit: number },
  ): readonly Candle[] {
    const market = this.knownMarket(symbol);
    const served = this.seriesOf(market, timeframe);
    if (served === undefined) {
      throw new EngineRefusalError(
        Refusal.UnknownTimeframe,
        `no ${timeframe} candles of ${symbol}`,
      );
    }
    const { candles } = served;
    const now = this.now();
    const newest = lastIndexAtOrBefore(candles, Math.min(now, range.endTime ?? Infinity));
    let from: number;
    let to: number;
    if (range.startTime !== undefined) {
      from = firstIndexAtOrAfter(candles, range.startTime);
      to = Math.min(newest + 1, from + range.limit);
    } else {
      to = newest + 1;
      from = Math.max(0, to - range.limit);
    }
    const slice = candles.slice(from, Math.max(from, to));
    const last = slice.at(-1);
    if (!served.aggregated || last === undefined || last.time + timeframeMs(timeframe) <= now) {
      return slice;
    }
    // Only the newest bucket can still be forming: every earlier one closed by its open.
    const finest = market.series.get(market.finest) ?? [];
    const forming = mergeCandles(
      finest,
      firstIndexAtOrAfter(finest, last.time),
      lastIndexAtOrBefore(finest, now),
      last.time,
    );
    slice.pop();
    if (forming !== undefined) slice.push(forming);
    return slice;
  }

  /** The price a market order of `symbol` would fill at now; undefined before the data starts. */
  lastPrice(symbol: string): number | undefined {
    return this.priceAt(this.market(symbol), this.now());
  }

  /**
   * Every served market's ticker at now, in the order of {@link MatchingEngine.symbols}: the
   * candles of its shortest timeframe closed by now and opened at or after `from`, by default
   * the 24 hours ending at the close of the newest one (288 candles of 5 minutes). A market
   * with no candle closed by now (its data start later) has no price and is left out, as an
   * exchange lists no ticker before a pair's first trade; one whose data ended long before now
   * keeps its last price with no volume. Reads only the window's candles of each market, found
   * by binary search.
   */
  tickers(from?: number): SimTicker[] {
    const now = this.now();
    const tickers: SimTicker[] = [];
    for (const symbol of this.symbols) {
      const ticker = this.tickerOf(this.knownMarket(symbol), now, from);
      if (ticker !== undefined) tickers.push(ticker);
    }
    return tickers;
  }

  /**
   * Multiplies the volumes {@link MatchingEngine.tickers} reports for `symbol` by `factor`
   * (1 restores them), so that a test can move the market up or down a ranking by volume. The
   * candles keep their volumes: they are what strategies read, and the knob is meant to
   * reorder a selection without changing what any strategy sees.
   */
  setVolumeScale(symbol: string, factor: number): void {
    this.market(symbol);
    if (!(Number.isFinite(factor) && factor >= 0)) {
      throw new RangeError(
        `volume scale of ${symbol}: factor must be a finite number >= 0, got ${factor}`,
      );
    }
    if (factor === 1) this.volumeScales.delete(symbol);
    else this.volumeScales.set(symbol, factor);
  }

  /** A copy of the account's free balances (what resting orders lock is left out). */
  balances(): Record<string, number> {
    this.triggerStops();
    return Object.fromEntries(this.account);
  }

  /** A copy of what resting orders lock, by currency. */
  lockedBalances(): Record<string, number> {
    this.triggerStops();
    return Object.fromEntries(this.locked);
  }

  /** Every order filled (market orders and triggered stops), in the order they filled. */
  get orders(): readonly SimOrder[] {
    this.triggerStops();
    return this.filled;
  }

  /** Every order placed, whatever became of it, in placement order. */
  allOrders(): readonly SimOrder[] {
    this.triggerStops();
    return [...this.placed];
  }

  /** The orders resting now, of `symbol` or of every symbol. */
  openOrders(symbol?: string): SimOrder[] {
    this.triggerStops();
    return this.placed.filter(
      (o) => o.status === 'open' && (symbol === undefined || o.symbol === symbol),
    );
  }

  /**
   * Fills a market order in full at {@link MatchingEngine.lastPrice}, charging the fee in the
   * quote currency. A cost (`quoteAmount`) buys or sells as much as it pays for, in whole lot
   * steps. Refuses, leaving the account as it was: a `reject` fault on the symbol, a client id
   * already used (by any order, whatever became of it: real exchanges refuse only ids of open
   * orders, but an intent must never be placed twice anyway), a short free balance (a resting
   * stop locks what it sells),
   * no price yet, an amount off the lot rules, a cost below the minimum, a short balance.
   */
  placeMarketOrder(request: MarketOrderRequest): SimOrder {
    this.triggerStops();
    const market = this.knownMarket(request.symbol);
    const clientOrderId = this.admitOrder(market, request.clientOrderId);
    const now = this.now();
    const price = this.priceAt(market, now);
    if (price === undefined) {
      throw new EngineRefusalError(Refusal.NoPrice, `${market.symbol} has no price yet`);
    }
    const { rules } = market;
    const amount =
      'amount' in request
        ? request.amount
        : roundToWire(
            Math.floor(Number((request.quoteAmount / price / rules.stepSize).toFixed(9))) *
              rules.stepSize,
          );
    if (amount < rules.minQty || !isMultipleOf(amount, rules.stepSize)) {
      throw new EngineRefusalError(Refusal.LotSize, `amount ${amount} is off the lot rules`);
    }
    const cost = roundToWire(amount * price);
    if (cost < rules.minNotional) {
      throw new EngineRefusalError(Refusal.MinNotional, `cost ${cost} is below the minimum`);
    }
    const fee = roundToWire(cost * this.feeRate);

    const baseBalance = this.account.get(market.base) ?? 0;
    const quoteBalance = this.account.get(market.quote) ?? 0;
    if (request.side === 'buy' ? quoteBalance < cost + fee : baseBalance < amount) {
      throw new EngineRefusalError(Refusal.InsufficientBalance, 'insufficient balance');
    }
    if (request.side === 'buy') {
      this.account.set(market.base, roundToWire(baseBalance + amount));
      this.account.set(market.quote, roundToWire(quoteBalance - cost - fee));
    } else {
      this.account.set(market.base, roundToWire(baseBalance - amount));
      this.account.set(market.quote, roundToWire(quoteBalance + cost - fee));
    }
    const order: SimOrder = {
      symbol: market.symbol,
      side: request.side,
      type: 'market',
      status: 'filled',
      amount,
      price,
      fee,
      clientOrderId,
      orderId: this.nextOrderId++,
      placedAt: now,
      time: now,
      updatedAt: now,
    };
    this.record(order);
    this.filled.push(order);
    this.changed();
    return order;
  }

  /**
   * Rests a sell stop of `amount` triggered at `stopPrice`, locking the amount out of the free
   * balance. Refuses, leaving the account as it was: what {@link placeMarketOrder} refuses for the
   * id and the lot rules, a stop off the price tick, a stop at or above the last price (it would
   * trigger at once), a value below the minimum, a short balance.
   */
  placeStopOrder(request: StopOrderRequest): SimOrder {
    this.triggerStops();
    const market = this.knownMarket(request.symbol);
    const clientOrderId = this.admitOrder(market, request.clientOrderId);
    const { rules } = market;
    const { amount, stopPrice } = request;
    if (amount < rules.minQty || !isMultipleOf(amount, rules.stepSize)) {
      throw new EngineRefusalError(Refusal.LotSize, `amount ${amount} is off the lot rules`);
    }
    if (!(stopPrice > 0) || !isMultipleOf(stopPrice, rules.tickSize)) {
      throw new EngineRefusalError(Refusal.PriceFilter, `stop price ${stopPrice} is off the tick`);
    }
    const now = this.now();
    const last = this.priceAt(market, now);
    if (last === undefined) {
      throw new EngineRefusalError(Refusal.NoPrice, `${market.symbol} has no price yet`);
    }
    if (stopPrice >= last) {
      throw new EngineRefusalError(
        Refusal.WouldTriggerImmediately,
        `a sell stop at ${stopPrice} would trigger at once; the last price is ${last}`,
      );
    }
    if (roundToWire(amount * stopPrice) < rules.minNotional) {
      throw new EngineRefusalError(Refusal.MinNotional, 'the stop is worth less than the minimum');
    }
    const free = this.account.get(market.base) ?? 0;
    if (free < amount) {
      throw new EngineRefusalError(Refusal.InsufficientBalance, 'insufficient balance');
    }
    this.account.set(market.base, roundToWire(free - amount));
    this.locked.set(market.base, roundToWire((this.locked.get(market.base) ?? 0) + amount));
    const order: SimOrder = {
      symbol: market.symbol,
      side: request.side,
      type: 'stop',
      status: 'open',
      amount,
      price: 0,
      fee: 0,
      clientOrderId,
      orderId: this.nextOrderId++,
      stopPrice,
      placedAt: now,
      time: now,
      updatedAt: now,
    };
    this.record(order);
    const candles = market.series.get(market.finest) ?? [];
    const tf = timeframeMs(market.finest);
    this.resting.set(order.orderId, firstIndexAtOrAfter(candles, Math.floor(now / tf) * tf));
    this.changed();
    return order;
  }

  /** The order of `symbol` that `ref` names; undefined when there is none. */
  findOrder(symbol: string, ref: OrderRef): SimOrder | undefined {
    this.triggerStops();
    const order =
      ref.orderId !== undefined
        ? this.byOrderId.get(ref.orderId)
        : ref.clientOrderId !== undefined
          ? this.byClientOrderId.get(ref.clientOrderId)
          : undefined;
    if (order === undefined || order.symbol !== symbol) return undefined;
    if (ref.clientOrderId !== undefined && order.clientOrderId !== ref.clientOrderId) {
      return undefined;
    }
    return order;
  }

  /**
   * Cancels a resting order and gives back what it locked; returns it as cancelled. Refuses an
   * order it knows that is no longer open (filled or cancelled), and one it does not know.
   */
  cancelOrder(symbol: string, ref: OrderRef): SimOrder {
    const order = this.findOrder(symbol, ref);
    if (order === undefined) {
      throw new EngineRefusalError(Refusal.UnknownOrder, `no such order of ${symbol}`);
    }
    if (order.status !== 'open') {
      throw new EngineRefusalError(
        Refusal.OrderNotOpen,
        `order ${order.orderId} is ${order.status}`,
      );
    }
    const market = this.knownMarket(symbol);
    this.unlock(market.base, order.amount);
    this.account.set(market.base, roundToWire((this.account.get(market.base) ?? 0) + order.amount));
    this.resting.delete(order.orderId);
    const cancelled = this.replace(order, { status: 'cancelled', updatedAt: this.now() });
    this.changed();
    return cancelled;
  }

  /** Sets (or with `undefined` clears) the fault of one symbol, or of every request with `'*'`. */
  setFault(symbol: string | '*', fault: SimFault | undefined): void {
    if (symbol !== '*') this.market(symbol);
    if (fault === undefined) {
      this.faults.delete(symbol);
      return;
    }
    checkFault(fault);
    this.faults.set(symbol, fault);
  }

  /**
   * Decides what becomes of one request naming `symbol` (undefined: none, or one not served),
   * rolling the dice of a rate-based fault once. `placesOrder` marks an order placement, the
   * only request whose response a `lose-response` fault loses.
   */
  admit(symbol: string | undefined, request: { readonly placesOrder: boolean }): Admission {
    const fault = this.faultFor(symbol);
    if (fault?.kind === 'hang') return { kind: 'hang' };
    if (fault?.kind === 'http5xx' && this.dice.hits(fault.rate)) return { kind: 'unavailable' };
    if (fault?.kind === 'ratelimit' && this.dice.hits(fault.rate)) {
      return { kind: 'rate-limited', retryAfterSeconds: rateLimitRetryAfterSeconds };
    }
    return {
      kind: 'serve',
      delayMs: fault?.kind === 'slow' ? fault.ms : 0,
      stall: fault?.kind === 'stall',
      loseResponse:
        request.placesOrder && fault?.kind === 'lose-response' && this.dice.hits(fault.rate),
    };
  }

  /**
   * Fills every resting stop that a candle closed by now has reached, oldest stop first, each
   * against its candles from the one open at its placement on.
   */
  private triggerStops(): void {
    if (this.resting.size === 0) return;
    const now = this.now();
    const fills = this.filled.length;
    for (const [orderId, from] of [...this.resting]) {
      const order = this.byOrderId.get(orderId);
      if (order === undefined || order.stopPrice === undefined) continue;
      const market = this.knownMarket(order.symbol);
      const candles = market.series.get(market.finest) ?? [];
      const tf = timeframeMs(market.finest);
      let i = from;
      for (; i < candles.length; i++) {
        const candle = candles[i] as Candle;
        if (candle.time + tf > now) break;
        const price = stopFillPrice(candle, order.stopPrice);
        if (price !== undefined) {
          this.fillStop(order, market, price, candle);
          break;
        }
      }
      if (this.resting.has(orderId)) this.resting.set(orderId, i);
    }
    if (this.filled.length > fills) this.changed();
  }

  /**
   * Calls `listener` after every change of the account (an order placed, cancelled or filled),
   * before the answer that carries it leaves: a listener that saves {@link exportState}
   * synchronously loses nothing a client saw.
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** The account as plain data; reading it changes nothing (no stop is triggered). */
  exportState(): EngineState {
    return {
      orders: [...this.placed],
      fills: this.filled.map((o) => o.orderId),
      balances: Object.fromEntries(this.account),
      locked: Object.fromEntries(this.locked),
      resting: [...this.resting],
      nextOrderId: this.nextOrderId,
    };
  }

  /** Replaces the account with `state`, as {@link exportState} gave it. */
  importState(state: EngineState): void {
    this.placed.splice(0, this.placed.length, ...state.orders);
    this.byOrderId.clear();
    this.byClientOrderId.clear();
    for (const o of state.orders) {
      this.byOrderId.set(o.orderId, o);
      this.byClientOrderId.set(o.clientOrderId, o);
    }
    const fills = state.fills.map((id) => this.byOrderId.get(id));
    this.filled.splice(0, this.filled.length, ...fills.filter((o) => o !== undefined));
    this.account.clear();
    for (const [asset, amount] of Object.entries(state.balances)) this.account.set(asset, amount);
    this.locked.clear();
    for (const [asset, amount] of Object.entries(state.locked)) this.locked.set(asset, amount);
    this.resting.clear();
    for (const [orderId, next] of state.resting) this.resting.set(orderId, next);
    this.nextOrderId = state.nextOrderId;
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  private fillStop(order: SimOrder, market: SimMarket, price: number, candle: Candle): void {
    const cost = roundToWire(order.amount * price);
    const fee = roundToWire(cost * this.feeRate);
    this.unlock(market.base, order.amount);
    const quote = this.account.get(market.quote) ?? 0;
    this.account.set(market.quote, roundToWire(quote + cost - fee));
    this.resting.delete(order.orderId);
    const time = Math.max(order.placedAt, candle.time);
    const filled = this.replace(order, {
      status: 'filled',
      price,
      fee,
      time,
      updatedAt: time,
      fillCandleTime: candle.time,
    });
    this.filled.push(filled);
  }

  private unlock(asset: string, amount: number): void {
    this.locked.set(asset, roundToWire((this.locked.get(asset) ?? 0) - amount));
  }

  /**
   * Checks what every new order must pass: no injected refusal, a client id not taken (never
   * used, or with `while-open` uniqueness, not used by an open order).
   */
  private admitOrder(market: SimMarket, requested: string | undefined): string {
    if (this.faultFor(market.symbol)?.kind === 'reject') {
      throw new EngineRefusalError(Refusal.InsufficientBalance, 'rejected by an injected fault');
    }
    const clientOrderId = requested ?? `sim-${this.nextOrderId}`;
    const holder = this.byClientOrderId.get(clientOrderId);
    if (holder !== undefined && (this.clientIdsUnique === 'always' || holder.status === 'open')) {
      throw new EngineRefusalError(
        Refusal.DuplicateClientOrderId,
        `client order id ${clientOrderId} is taken`,
      );
    }
    return clientOrderId;
  }

  private record(order: SimOrder): void {
    this.placed.push(order);
    this.byOrderId.set(order.orderId, order);
    this.byClientOrderId.set(order.clientOrderId, order);
  }

  /** Swaps `order` for its changed copy everywhere it is indexed. */
  private replace(order: SimOrder, changes: Partial<SimOrder>): SimOrder {
    const next: SimOrder = { ...order, ...changes };
    const at = this.placed.indexOf(order);
    if (at >= 0) this.placed[at] = next;
    this.byOrderId.set(next.orderId, next);
    this.byClientOrderId.set(next.clientOrderId, next);
    return next;
  }

  private faultFor(symbol: string | undefined): SimFault | undefined {
    return (symbol !== undefined && this.faults.get(symbol)) || this.faults.get('*');
  }

  /**
   * The series `market` serves in `timeframe`: its file's, else the one its finest candles build
   * (`aggregated`), built on first request and kept; undefined for a timeframe it does not serve.
   */
  private seriesOf(
    market: SimMarket,
    timeframe: Timeframe,
  ): { readonly candles: readonly Candle[]; readonly aggregated: boolean } | undefined {
    const file = market.series.get(timeframe);
    if (file !== undefined) return { candles: file, aggregated: false };
    if (!servesTimeframe(market, timeframe)) return undefined;
    let byTimeframe = this.aggregates.get(market);
    if (byTimeframe === undefined) {
      byTimeframe = new Map();
      this.aggregates.set(market, byTimeframe);
    }
    let candles = byTimeframe.get(timeframe);
    if (candles === undefined) {
      candles = aggregatedSeries(market, timeframe);
      byTimeframe.set(timeframe, candles);
    }
    return { candles, aggregated: true };
  }

  private knownMarket(symbol: string): SimMarket {
    const market = this.bySymbol.get(symbol);
    if (market === undefined) {
      throw new EngineRefusalError(Refusal.UnknownSymbol, `${symbol} is not served`);
    }
    return market;
  }

  private tickerOf(market: SimMarket, now: number, from?: number): SimTicker | undefined {
    const candles = market.series.get(market.finest) ?? [];
    const tf = timeframeMs(market.finest);
    const newest = lastIndexAtOrBefore(candles, now - tf);
    const newestCandle = candles[newest];
    if (newestCandle === undefined) return undefined;
    const closeTime = newestCandle.time + tf;
    const first = firstIndexAtOrAfter(candles, from ?? closeTime - tickerWindowMs);
    const count = Math.max(0, newest - first + 1);
    const last = newestCandle.close;
    const scale = this.volumeScales.get(market.symbol) ?? 1;
    // A synthetic market's window is summed over its source's candles, then moved in price:
    // scaling by a positive factor and rounding keep the order of prices, so the extremes are
    // exact; its quote volume is the source's times the factor, which leaves out only the
    // rounding of each candle's close to 8 decimals.
    const { source, factor } = market.replay ?? { source: candles, factor: 1 };
    const price = (value: number) => (factor === 1 ? value : roundToWire(value * factor));
    let high = -Infinity;
    let low = Infinity;
    let baseVolume = 0;
    let quoteVolume = 0;
    for (let i = first; i <= newest; i++) {
      const c = source[i] as Candle;
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
      baseVolume += c.volume;
      quoteVolume += c.close * c.volume;
    }
    quoteVolume *= factor;
    const firstCandle = count > 0 ? (source[first] as Candle) : undefined;
    return {
      symbol: market.symbol,
      openTime: count > 0 ? (candles[first] as Candle).time : closeTime,
      closeTime,
      last,
      open: firstCandle === undefined ? last : price(firstCandle.open),
      high: count > 0 ? price(high) : last,
      low: count > 0 ? price(low) : last,
      baseVolume: roundToWire(baseVolume * scale),
      quoteVolume: roundToWire(quoteVolume * scale),
      vwap: baseVolume > 0 ? roundToWire(quoteVolume / baseVolume) : last,
      candles: count,
    };
  }

  private priceAt(market: SimMarket, now: number): number | undefined {
    const candles = market.series.get(market.finest) ?? [];
    const newestClosed = lastIndexAtOrBefore(candles, now - timeframeMs(market.finest));
    return candles[newestClosed]?.close;
  }
}
