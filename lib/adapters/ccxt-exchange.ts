import {
  BadRequest,
  BadSymbol,
  DDoSProtection,
  InsufficientFunds,
  InvalidOrder,
  OperationFailed,
  OperationRejected,
  RateLimitExceeded,
  RequestTimeout,
} from '../../node_modules/ccxt/js/src/base/errors.js';
import { TICK_SIZE } from '../../node_modules/ccxt/js/src/base/functions/number.js';
import type {
  FeeInterface,
  MarketInterface,
  OHLCV,
  Order,
  Ticker,
} from '../../node_modules/ccxt/js/src/base/types.js';
import { exchangeLimits } from '../config/schema.js';
import { type Candle, candleFromRow, type Timeframe, timeframeMs } from '../domain/candle.js';
import type { Market } from '../domain/market.js';
import { createRedactor } from '../domain/redact.js';
import { isStopClientOrderId } from '../domain/stop.js';
import {
  type Broker,
  OrderRejectedError,
  type OrderReport,
  type OrderRequest,
  OrderStatus,
  type StopOrderRequest,
} from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInspector, KeyPermissions } from '../ports/key-permissions.js';
import {
  ExchangeFailureKind,
  ExchangeUnavailableError,
  type MarketData,
} from '../ports/market-data.js';
import type {
  ListedMarket,
  MarketCatalogue,
  MarketRecord,
  MarketStore,
  StoredMarket,
} from '../ports/market-store.js';
import type { ThrottleListener } from '../ports/rate-budget.js';
import type { MarketTicker, TickerSource } from '../ports/ticker-source.js';
import type {
  ClientIdRequest,
  ExchangeClient,
  ExchangeDialect,
  OrderKind,
} from './exchanges/dialect.js';
import { dialectOf } from './exchanges/dialects.js';

export type { ExchangeClient } from './exchanges/dialect.js';

/** Thrown when the exchange does not list a symbol; a configuration error, not a retry case. */
export class UnknownMarketError extends Error {
  constructor(
    readonly symbol: string,
    options: { cause?: unknown } = {},
  ) {
    super(`the exchange has no market ${symbol}`, { cause: options.cause });
    this.name = 'UnknownMarketError';
  }
}

/**
 * Where a trade container takes its markets from instead of loading the exchange's whole list:
 * the item the markets refresh stored for each symbol.
 */
export interface StoredMarketRules {
  readonly store: Pick<MarketStore, 'getMarket'>;
  /** How long a copy read from the store is used before it is read again: the refresh period. */
  readonly maxAgeMs: number;
}

/** A symbol whose rules were not stored, so every market was loaded from the exchange instead. */
export interface MarketRulesFallback {
  readonly symbol: string;
  /** `not-stored`: no refresh has stored the symbol yet; `store-failed`: it could not be read. */
  readonly reason: 'not-stored' | 'store-failed';
  readonly error?: unknown;
}

/**
 * Market data, market orders and stops through a ccxt exchange: binance, okx or kraken, each
 * through ccxt's unified API, with what differs between them (where the client id travels, how an
 * order is found and cancelled by it, what a duplicate id looks like, what the key may do) in its
 * {@link ExchangeDialect}, picked by the client's ccxt id.
 *
 * With `storedMarkets`, a symbol's market comes from the markets store, read when the instance
 * has no copy of it or its copy is older than the refresh period, and handed to ccxt with
 * `setMarkets`: no request to the exchange. A symbol the store does not hold (no refresh yet, or
 * the store failing with no copy to go on) loads every market from the exchange once, and the
 * fallback listeners are told: rules are never what keeps a position from its stop. Without
 * `storedMarkets`, every market loads from the exchange once per instance.
 *
 * Every method takes the time it may use at most and keeps to it as a whole: markets are loaded
 * inside the same budget, each HTTP request gets what is left as ccxt's timeout, a request that
 * no longer fits is not started, and a guard timer ends the call at the budget even where ccxt's
 * timeout does not reach (it stops at the response headers; a stalled body is not covered).
 *
 * ccxt's error classes are mapped here, once: a network failure, a throttle or a broken
 * exchange becomes {@link ExchangeUnavailableError}; an order the exchange refuses becomes
 * {@link OrderRejectedError}; a symbol it does not list, {@link UnknownMarketError}. Anything else
 * (bad credentials, say) is rethrown as ccxt threw it.
 *
 * No error leaves with a secret in it: ccxt puts the request URL into its messages, with the
 * `signature` of a signed GET, and an exchange may echo a key back. Every error thrown here, and
 * its `cause` chain, has its request signatures, credential parameters and headers, and the
 * client's own key values replaced by `***`, and an exchange's response body cut to 2 KB.
 */
export class CcxtExchange
  implements MarketData, Broker, KeyInspector, MarketCatalogue, TickerSource
{
  private readonly exchange: ExchangeClient;
  private readonly clock: Clock;
  private readonly dialect: ExchangeDialect;
  /** Candles the exchange serves in one request. */
  private readonly candlesPerRequest: number;
  private marketsLoaded: Promise<void> | undefined;
  private marketsFailed = false;
  /** Until when (performance.now) the exchange asked us to stay away after a 429 or 418. */
  private coolOffUntil = 0;
  private readonly onThrottle: ThrottleListener | undefined;
  private readonly storedMarkets: StoredMarketRules | undefined;
  /** The symbols whose market this instance holds, when it got it, and from where. */
  private readonly marketCopies = new Map<
    string,
    { readonly readAt: number; readonly fetchedAt?: number; readonly from: 'store' | 'exchange' }
  >();
  /** ccxt holds markets set from the store, so its own loadMarkets would not load the rest. */
  private marketsSet = false;
  private readonly fallbackListeners: ((event: MarketRulesFallback) => void)[] = [];

  /**
   * @param deps.dialect - default: the dialect of `exchange.id` (a client without an id is taken
   *   for binance's)
   * @param deps.onThrottle - told of every 429 or 418 with its Retry-After, before the call
   *   fails: the shared rate budget pauses the other containers with it, while this instance's
   *   own cool-off keeps it from asking again meanwhile
   * @param deps.storedMarkets - take each symbol's market from the markets store; default: load
   *   every market from the exchange
   */
  constructor(deps: {
    exchange: ExchangeClient;
    clock: Clock;
    dialect?: ExchangeDialect;
    onThrottle?: ThrottleListener;
    storedMarkets?: StoredMarketRules;
  }) {
    this.exchange = deps.exchange;
    this.clock = deps.clock;
    this.onThrottle = deps.onThrottle;
    this.storedMarkets = deps.storedMarkets;
    if (this.storedMarkets !== undefined && this.exchange.setMarkets === undefined) {
      throw new Error('CcxtExchange with storedMarkets needs a client that can setMarkets');
    }
    this.dialect = deps.dialect ?? dialectOf(deps.exchange.id ?? 'binance');
    this.candlesPerRequest = exchangeLimits[this.dialect.id].candlesPerRequest;
    if (this.exchange.precisionMode !== undefined && this.exchange.precisionMode !== TICK_SIZE) {
      // Other modes state precisions as digit counts; reading them as steps would be off by
      // orders of magnitude, so refuse instead of trading on them.
      throw new Error(
        `CcxtExchange needs an exchange in TICK_SIZE precision mode, got mode ${this.exchange.precisionMode}`,
      );
    }
  }

  /**
   * Trading rules of `symbol`: from the markets store (see the class), else from markets loaded
   * once per instance (a failed load is retried).
   */
  market(symbol: string, timeoutMs: number): Promise<Market> {
    return this.call(`market(${symbol})`, symbol, timeoutMs, 'read', async (arm) => {
      await this.marketsFor(symbol, arm);
      return toDomainMarket(this.ccxtMarket(symbol));
    });
  }

  /** Tells `listener` of every symbol whose rules were not stored and loaded from the exchange. */
  onMarketRulesFallback(listener: (event: MarketRulesFallback) => void): void {
    this.fallbackListeners.push(listener);
  }

  /**
   * Loads every market of the exchange afresh, within `timeoutMs`, and returns those of
   * `symbols` it lists, each as a JSON copy of ccxt's unified market (what `setMarkets` takes
   * back). A market ccxt states no `active` for counts as trading, as ccxt means it.
   */
  listMarkets(
    symbols: readonly string[],
    timeoutMs: number,
    options: { readonly quotes?: readonly string[] } = {},
  ): Promise<ReadonlyMap<string, ListedMarket>> {
    return this.call('listMarkets', '', timeoutMs, 'read', async (arm) => {
      arm();
      const all = await this.exchange.loadMarkets(true);
      const quotes = new Set(options.quotes ?? []);
      const wanted = new Set(symbols);
      if (quotes.size > 0) {
        for (const [symbol, market] of Object.entries(all)) {
          if (market?.spot === false || symbol.includes(':')) continue;
          if (quotes.has(market?.quote ?? '')) {
            wanted.add(symbol);
          }
        }
      }
      const listed = new Map<string, ListedMarket>();
      for (const symbol of wanted) {
        const market = all[symbol];
        if (market === undefined) continue;
        const rules = JSON.parse(JSON.stringify(market)) as MarketRecord;
        listed.set(symbol, { active: market.active !== false, rules });
      }
      return listed;
    });
  }

  /**
   * Every spot market's ticker, in one `fetchTickers` request without symbols (binance
   * `GET /api/v3/ticker/24hr`, okx `GET /api/v5/market/tickers?instType=SPOT`, kraken
   * `GET /0/public/Ticker`), within `timeoutMs`.
   *
   * ccxt names each ticker by the market it holds under the ticker's id, so every market must be
   * loaded first: a client holding none (or only those set from the markets store) would name
   * them by raw ids, which are no `BASE/QUOTE` symbol, and the result would be silently empty.
   * Markets are loaded here as {@link CcxtExchange.market} loads them, once per instance, within
   * the same budget: no request when this instance (or `listMarkets`, on the same client) has
   * loaded them already, one more otherwise.
   *
   * Only spot markets are kept (a derivative's `BASE/QUOTE:SETTLE` is not), base and quote from
   * ccxt's market; a figure ccxt leaves undefined or not finite stays undefined.
   */
  listTickers(timeoutMs: number): Promise<readonly MarketTicker[]> {
    return this.call('listTickers', '', timeoutMs, 'read', async (arm) => {
      if (this.exchange.markets === undefined || this.marketsSet) await this.loadMarkets(arm);
      arm();
      const tickers = await this.exchange.fetchTickers();
      const listed: MarketTicker[] = [];
      for (const ticker of Object.values(tickers)) {
        const entry = this.toMarketTicker(ticker);
        if (entry !== undefined) listed.push(entry);
      }
      return listed;
    });
  }

  /** `ticker` as a {@link MarketTicker}; undefined unless it is a spot market's. */
  private toMarketTicker(ticker: Ticker): MarketTicker | undefined {
    const symbol = ticker.symbol;
    if (typeof symbol !== 'string') return undefined;
    const market = this.exchange.markets?.[symbol];
    const pair = /^([^/:]+)\/([^/:]+)$/.exec(symbol);
    if (pair === null || (market !== undefined && market.spot === false)) return undefined;
    const base = market?.base ?? pair[1];
    const quote = market?.quote ?? pair[2];
    if (base === undefined || quote === undefined) return undefined;
    const last = finiteOrUndefined(ticker.last);
    const quoteVolume = finiteOrUndefined(ticker.quoteVolume);
    const baseVolume = finiteOrUndefined(ticker.baseVolume);
    return {
      symbol,
      base,
      quote,
      ...(last === undefined ? {} : { last }),
      ...(quoteVolume === undefined ? {} : { quoteVolume }),
      ...(baseVolume === undefined ? {} : { baseVolume }),
    };
  }

  /**
   * The newest `limit` closed candles, oldest first (or, with `since`, the first `limit` closed
   * candles from that open time on); the candle still forming at `clock.now()` is dropped.
   * `limit` must be below the candles the exchange serves in one request (`exchangeLimits`),
   * as one of them may still be forming.
   */
  async fetchCandles(request: {
    symbol: string;
    timeframe: Timeframe;
    since?: number;
    limit: number;
    timeoutMs: number;
  }): Promise<Candle[]> {
    const { symbol, timeframe, since, limit, timeoutMs } = request;
    const most = this.candlesPerRequest - 1;
    if (!Number.isInteger(limit) || limit < 1 || limit > most) {
      throw new RangeError(`fetchCandles limit must be an integer from 1 to ${most}, got ${limit}`);
    }
    return this.call(
      `fetchCandles(${symbol} ${timeframe})`,
      symbol,
      timeoutMs,
      'read',
      async (arm) => {
        await this.marketsFor(symbol, arm);
        this.ccxtMarket(symbol);
        arm();
        // One more than asked, as the newest row may be the candle still forming.
        const rows = await this.exchange.fetchOHLCV(symbol, timeframe, since, limit + 1);
        const now = this.clock.now();
        const length = timeframeMs(timeframe);
        const closed = rows
          .map((row) => candleFromRow(numericRow(row, symbol)))
          .filter((candle) => candle.time + length <= now)
          .sort((a, b) => a.time - b.time);
        return since === undefined ? closed.slice(-limit) : closed.slice(0, limit);
      },
    );
  }

  /**
   * Places a market order carrying `clientOrderId`, so a retry can find it. When the exchange
   * refuses the id as a duplicate, the order it already holds under that id is reported instead:
   * the intent has been placed, and calling that a rejection would record a filled order as
   * refused.
   */
  placeMarketOrder(request: OrderRequest): Promise<OrderReport> {
    const { symbol, side, amount, clientOrderId, timeoutMs } = request;
    return this.createOnce('placeMarketOrder', {
      symbol,
      side,
      amount,
      clientOrderId,
      timeoutMs,
      kind: 'market',
    });
  }

  /**
   * Rests a sell stop carrying `clientOrderId`, through ccxt's unified `stopLossPrice` (sold at
   * market once the price trades at the stop: Binance's `STOP_LOSS`, OKX's conditional algo
   * order, Kraken's `stop-loss`). A duplicate id reports the order the exchange already holds
   * under it, as for market orders.
   */
  placeStopOrder(request: StopOrderRequest): Promise<OrderReport> {
    const { symbol, amount, stopPrice, clientOrderId, timeoutMs } = request;
    return this.createOnce('placeStopOrder', {
      symbol,
      side: 'sell',
      amount,
      clientOrderId,
      timeoutMs,
      kind: 'stop',
      stopPrice,
    });
  }

  /** One order through ccxt's unified `createOrder`; a duplicate id reports the order held. */
  private createOnce(
    operation: string,
    order: {
      readonly symbol: string;
      readonly side: 'buy' | 'sell';
      readonly amount: number;
      readonly clientOrderId: string;
      readonly timeoutMs: number;
      readonly kind: OrderKind;
      readonly stopPrice?: number;
    },
  ): Promise<OrderReport> {
    const { symbol, side, amount, clientOrderId, timeoutMs, kind } = order;
    return this.call(
      `${operation}(${symbol} ${clientOrderId})`,
      symbol,
      timeoutMs,
      'order',
      async (arm) => {
        await this.marketsFor(symbol, arm);
        const market = this.ccxtMarket(symbol);
        arm();
        try {
          const created = await this.exchange.createOrder(
            symbol,
            'market',
            side,
            amount,
            undefined,
            this.dialect.orderParams(clientOrderId, order.stopPrice),
          );
          if (created.status !== undefined) return toReport(created, market, clientOrderId);
          // OKX and Kraken acknowledge a placement with its ids alone; the order says how it went.
          const placed = await this.fetchByClientId(market, { symbol, clientOrderId, kind }, arm);
          return placed ?? toReport(created, market, clientOrderId);
        } catch (error) {
          if (!this.dialect.isDuplicateOrder(error)) throw error;
          const existing = await this.fetchByClientId(market, { symbol, clientOrderId, kind }, arm);
          if (existing === undefined) throw error;
          return existing;
        }
      },
    );
  }

  /**
   * Cancels a resting order by client id. When the exchange refuses the cancel (it knows no
   * open order by that id), the order is looked up, so that a stop that filled first is
   * reported filled rather than cancelled.
   */
  cancelOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined> {
    return this.call(
      `cancelOrder(${symbol} ${clientOrderId})`,
      symbol,
      timeoutMs,
      'read',
      async (arm) => {
        await this.marketsFor(symbol, arm);
        const market = this.ccxtMarket(symbol);
        // Only resting stops are ever cancelled.
        const request = { symbol, clientOrderId, kind: 'stop' } as const;
        try {
          const order = await this.dialect.cancelByClientId(this.exchange, request, arm);
          return { ...toReport(order, market, clientOrderId), clientOrderId };
        } catch (error) {
          if (!this.dialect.isNotOpen(error)) throw error;
          return this.fetchByClientId(market, request, arm);
        }
      },
    );
  }

  /**
   * Looks an order up by its client id; undefined when the exchange does not know it. Whether it
   * is a stop is read from the id (`isStopClientOrderId`), for exchanges that keep stops apart.
   */
  findOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined> {
    return this.call(
      `findOrder(${symbol} ${clientOrderId})`,
      symbol,
      timeoutMs,
      'read',
      async (arm) => {
        await this.marketsFor(symbol, arm);
        const market = this.ccxtMarket(symbol);
        const kind = isStopClientOrderId(clientOrderId) ? 'stop' : 'market';
        return this.fetchByClientId(market, { symbol, clientOrderId, kind }, arm);
      },
    );
  }

  /**
   * The API key's permissions and IP whitelist, as the exchange reports them: Binance's API
   * restrictions, OKX's account configuration, Kraken's key information.
   */
  keyPermissions(timeoutMs: number): Promise<KeyPermissions> {
    return this.call('keyPermissions', '', timeoutMs, 'read', (arm) =>
      this.dialect.keyPermissions(this.exchange, arm),
    );
  }

  /** The order under the request's client id as a report, or undefined. */
  private async fetchByClientId(
    market: MarketInterface,
    request: ClientIdRequest,
    arm: () => void,
  ): Promise<OrderReport | undefined> {
    const order = await this.dialect.findByClientId(this.exchange, request, arm);
    return order === undefined ? undefined : toReport(order, market, request.clientOrderId);
  }

  /**
   * Makes sure ccxt holds `symbol`'s market: from the store when this instance's copy is missing
   * or older than the refresh period, else (or without a store) by loading every market.
   */
  private async marketsFor(symbol: string, arm: () => void): Promise<void> {
    const stored = this.storedMarkets;
    if (stored === undefined) return this.loadMarkets(arm);
    const now = this.clock.now();
    const copy = this.marketCopies.get(symbol);
    if (copy !== undefined && now - copy.readAt < stored.maxAgeMs) {
      // A fallback's load is joined (it may have failed on an earlier call's budget).
      return copy.from === 'exchange' ? this.loadMarkets(arm) : undefined;
    }
    let item: StoredMarket | undefined;
    try {
      item = await stored.store.getMarket(symbol);
    } catch (error) {
      // The copy held, however old, is better than none; without one, the exchange's.
      if (copy !== undefined) return copy.from === 'exchange' ? this.loadMarkets(arm) : undefined;
      return this.fallBack(symbol, now, { symbol, reason: 'store-failed', error }, arm);
    }
    if (item === undefined) {
      return this.fallBack(symbol, now, { symbol, reason: 'not-stored' }, arm);
    }
    if (item.rules !== undefined && item.fetchedAt !== copy?.fetchedAt) {
      this.setMarket({ ...item.rules, symbol, active: item.active } as unknown as MarketInterface);
    }
    // A symbol the exchange never listed has no rules: ccxt does not know it (UnknownMarketError).
    this.marketCopies.set(symbol, { readAt: now, fetchedAt: item.fetchedAt, from: 'store' });
  }

  /** Loads every market from the exchange for `symbol`, telling the fallback listeners. */
  private async fallBack(
    symbol: string,
    now: number,
    event: MarketRulesFallback,
    arm: () => void,
  ): Promise<void> {
    for (const listener of this.fallbackListeners) listener(event);
    await this.loadMarkets(arm);
    this.marketCopies.set(symbol, { readAt: now, from: 'exchange' });
  }

  /** Hands ccxt `market` in place of what it held for its symbol, keeping every other market. */
  private setMarket(market: MarketInterface): void {
    const held = Object.values(this.exchange.markets ?? {}).filter(
      (m) => m.symbol !== market.symbol,
    );
    this.exchange.setMarkets?.([...held, market]);
    this.marketsSet = true;
    const set = this.exchange.markets?.[market.symbol];
    if (set !== undefined) this.dialect.indexMarkets?.(this.exchange, [set]);
  }

  private async loadMarkets(arm: () => void): Promise<void> {
    const joined = this.marketsLoaded;
    if (joined !== undefined) {
      try {
        return await joined;
      } catch {
        // A load started by an earlier call, on that call's budget (which may have run out):
        // this call loads again on its own.
      }
    }
    if (this.marketsLoaded === undefined) {
      arm();
      // ccxt keeps a failed load's rejected promise and hands it out again on the next
      // loadMarkets(); only reload=true makes it ask the exchange again.
      // Markets set from the store would be taken for loaded ones: only a reload asks for all.
      this.marketsLoaded = this.exchange.loadMarkets(this.marketsFailed || this.marketsSet).then(
        () => {
          this.marketsFailed = false;
        },
        (error: unknown) => {
          this.marketsLoaded = undefined;
          this.marketsFailed = true;
          throw error;
        },
      );
    }
    return this.marketsLoaded;
  }

  private ccxtMarket(symbol: string): MarketInterface {
    try {
      return this.exchange.market(symbol);
    } catch (error) {
      if (error instanceof BadSymbol) throw new UnknownMarketError(symbol, { cause: error });
      throw error;
    }
  }

  /**
   * Runs `steps` within `timeoutMs`. `steps` calls `arm()` right before each request: it gives
   * ccxt the time left as its timeout (one invocation makes one exchange call at a time, so the
   * shared client's `timeout` is ours to set) and refuses to start a request with none left.
   */
  private async call<T>(
    operation: string,
    symbol: string,
    timeoutMs: number,
    kind: 'read' | 'order',
    steps: (arm: () => void) => Promise<T>,
  ): Promise<T> {
    const budgetError = () =>
      new ExchangeUnavailableError(
        ExchangeFailureKind.Timeout,
        `${operation} did not finish within its ${timeoutMs} ms`,
      );
    if (!(timeoutMs > 0)) throw budgetError();
    const coolOffMs = Math.ceil(this.coolOffUntil - performance.now());
    if (coolOffMs > 0) {
      // Asking again before Retry-After has passed only prolongs (or escalates) the throttle.
      throw new ExchangeUnavailableError(
        ExchangeFailureKind.RateLimit,
        `${operation} not sent: backing off for ${coolOffMs} ms more after the exchange throttled us`,
        { retryAfterSeconds: coolOffMs / 1000 },
      );
    }
    const deadline = performance.now() + timeoutMs;
    const arm = () => {
      const left = Math.floor(deadline - performance.now());
      if (left <= 0) throw budgetError();
      this.exchange.timeout = left;
    };
    let guard: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      guard = setTimeout(() => reject(budgetError()), timeoutMs);
    });
    const work = steps(arm);
    // Once the guard has won, a late failure of the abandoned call has no one to tell.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, expired]);
    } catch (error) {
      const translated = this.translate(error, operation, symbol, kind);
      if (isThrottle(error) && translated instanceof ExchangeUnavailableError) {
        await this.onThrottle?.((translated.retryAfterSeconds ?? 1) * 1000).catch(() => undefined);
      }
      throw this.redact(translated);
    } finally {
      clearTimeout(guard);
    }
  }

  /** `error` and its causes without signatures, credentials or whole response bodies. */
  private redact(error: unknown): unknown {
    const { apiKey, secret, password } = this.exchange;
    return createRedactor([apiKey, secret, password]).error(error);
  }

  private translate(
    error: unknown,
    operation: string,
    symbol: string,
    kind: 'read' | 'order',
  ): unknown {
    if (error instanceof UnknownMarketError && kind === 'order') {
      return new OrderRejectedError(error.message);
    }
    if (
      error instanceof ExchangeUnavailableError ||
      error instanceof OrderRejectedError ||
      error instanceof UnknownMarketError ||
      !(error instanceof Error)
    ) {
      return error;
    }
    const message = `${operation}: ${error.message}`;
    if (error instanceof RequestTimeout) {
      return new ExchangeUnavailableError(ExchangeFailureKind.Timeout, message, { cause: error });
    }
    if (isThrottle(error)) {
      const retryAfter = retryAfterSeconds(this.exchange.last_response_headers);
      // Without a Retry-After, one second: Binance counts request weight per minute.
      this.coolOffUntil = performance.now() + (retryAfter ?? 1) * 1000;
      return new ExchangeUnavailableError(ExchangeFailureKind.RateLimit, message, {
        cause: error,
        retryAfterSeconds: retryAfter,
      });
    }
    // OperationFailed holds the NetworkError family (refused connections, 5xx, maintenance)
    // and the exchange's own "try again" codes (-1000, -1001, -1006 "status unknown", ...).
    if (error instanceof OperationFailed) {
      return new ExchangeUnavailableError(ExchangeFailureKind.Unavailable, message, {
        cause: error,
      });
    }
    if (kind === 'order') {
      // Refusals of this order as sent: filters (BadRequest, e.g. "Filter failure: NOTIONAL"),
      // balance, unknown symbol (BadSymbol is a BadRequest), closed market (OperationRejected),
      // and what the exchange's dialect knows ccxt leaves a plain ExchangeError.
      if (
        error instanceof InvalidOrder ||
        error instanceof InsufficientFunds ||
        error instanceof BadRequest ||
        error instanceof OperationRejected ||
        this.dialect.isOrderRefusal(error)
      ) {
        return new OrderRejectedError(error.message);
      }
    } else if (error instanceof BadSymbol) {
      return new UnknownMarketError(symbol, { cause: error });
    }
    return error;
  }
}

/** A 429 (RateLimitExceeded) or a 418 ban (DDoSProtection), as ccxt raises them. */
function isThrottle(error: unknown): boolean {
  return error instanceof RateLimitExceeded || error instanceof DDoSProtection;
}

function retryAfterSeconds(headers: Record<string, string> | undefined): number | undefined {
  const value = Number(headers?.['Retry-After']);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A number ccxt parsed, or undefined where it gave none (undefined, NaN, infinite). */
function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function numericRow(row: OHLCV, symbol: string): number[] {
  if (!row.every((value): value is number => typeof value === 'number' && Number.isFinite(value))) {
    throw new Error(`the exchange sent a malformed ${symbol} OHLCV row: ${JSON.stringify(row)}`);
  }
  return row;
}

function toDomainMarket(market: MarketInterface): Market {
  const { amount: amountStep, price: priceStep } = market.precision;
  if (amountStep === undefined || priceStep === undefined) {
    throw new Error(`the exchange states no amount or price step for ${market.symbol}`);
  }
  return {
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    // ccxt leaves `active` undefined where the exchange does not say; that is a trading market.
    active: market.active !== false,
    amountStep,
    priceStep,
    minAmount: market.limits.amount?.min ?? 0,
    minNotional: market.limits.cost?.min ?? 0,
  };
}

function toReport(order: Order, market: MarketInterface, clientOrderId: string): OrderReport {
  const filled = order.filled ?? 0;
  const averagePrice = fillsAverage(order) ?? order.average ?? order.price ?? 0;
  return {
    clientOrderId: order.clientOrderId ?? clientOrderId,
    ...(order.id === undefined ? {} : { exchangeOrderId: order.id }),
    status: toStatus(order, filled),
    filledAmount: filled,
    averagePrice,
    fee: feeInQuote(order, market, averagePrice),
    ...(feeInBase(order, market) > 0 ? { feeInBase: feeInBase(order, market) } : {}),
    ...(filled > 0 && fillTimeOf(order) !== undefined ? { fillTime: fillTimeOf(order) } : {}),
  };
}

/**
 * When the order last filled: its last trade's time, or, for an order closed by its fills
 * (Kraken reports no trade time, only when the order closed), the time it closed.
 */
function fillTimeOf(order: Order): number | undefined {
  if (order.lastTradeTimestamp !== undefined) return order.lastTradeTimestamp;
  return order.status === 'closed' ? order.lastUpdateTimestamp : undefined;
}

/**
 * The average price of the order's own fills, when the exchange reported them. ccxt's `average`
 * is cost over amount, and the exchange rounds the cost to its decimals, so for a single fill at
 * 0.01709998 it says 0.0170999846...; the fills carry the price itself.
 */
function fillsAverage(order: Order): number | undefined {
  const fills = (order.trades ?? []).filter(
    (t) => typeof t.price === 'number' && typeof t.amount === 'number' && t.amount > 0,
  );
  if (fills.length === 0) return undefined;
  if (fills.length === 1) return fills[0]?.price;
  const amount = fills.reduce((sum, t) => sum + (t.amount ?? 0), 0);
  return fills.reduce((sum, t) => sum + (t.price ?? 0) * (t.amount ?? 0), 0) / amount;
}

function toStatus(order: Order, filled: number): OrderReport['status'] {
  switch (order.status) {
    case 'closed':
      return order.amount !== undefined && filled < order.amount
        ? OrderStatus.PartiallyFilled
        : OrderStatus.Filled;
    case 'canceled':
    case 'expired':
      return OrderStatus.Cancelled;
    case 'rejected':
      return OrderStatus.Rejected;
    default:
      // 'open', or no status at all (an order acknowledged but not reported on).
      return filled > 0 ? OrderStatus.PartiallyFilled : OrderStatus.Open;
  }
}

/** The order's own fees, else those of its fills. */
function feesOf(order: Order): FeeInterface[] {
  const { fees } = order as Order & { fees?: FeeInterface[] };
  const own = fees !== undefined && fees.length > 0 ? fees : order.fee ? [order.fee] : [];
  const fromFills = (order.trades ?? []).flatMap((t) => (t.fee === undefined ? [] : [t.fee]));
  return own.length > 0 ? own : fromFills;
}

/**
 * The order's fees in the quote currency. A fee in the base currency (Binance charges buys in
 * the base unless BNB pays) is valued at the fill price; a fee in a third currency has no price
 * here and is left out. Binance's `GET /api/v3/order` carries no fees at all:
 * the binance dialect fetches the order's fills for them.
 */
function feeInQuote(order: Order, market: MarketInterface, price: number): number {
  let total = 0;
  for (const fee of feesOf(order)) {
    if (fee.cost === undefined) continue;
    if (fee.currency === market.quote) total += fee.cost;
    else if (fee.currency === market.base) total += fee.cost * price;
  }
  return Number(total.toPrecision(12));
}

/** The part of the order's fees taken in the base currency, in the base. */
function feeInBase(order: Order, market: MarketInterface): number {
  const total = feesOf(order)
    .filter((fee) => fee.currency === market.base)
    .reduce((sum, fee) => sum + (fee.cost ?? 0), 0);
  return Number(total.toPrecision(12));
}
