import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { formatDecimal, type MarketRules, roundToWire } from '../market-data/market-rules.js';
import {
  EngineRefusalError,
  type MatchingEngine,
  type OrderRef,
  Refusal,
  type SimOrder,
  type SimTicker,
} from './matching-engine.js';
import type { RateCharge, RateRefusal, RateRule } from './rate-limits.js';
import { marketsByWireId, type SimMarket } from './sim-markets.js';
import type { ExchangeWire, WireRateLimits, WireReply, WireRequest, WireRoute } from './wire.js';

/**
 * A Binance error reply: HTTP status plus the `{ code, msg }` body. The codes and messages are the
 * ones ccxt's binance class maps to its error classes (e.g. -2010 → InvalidOrder, the exact
 * "insufficient balance" message → InsufficientFunds, -2013 → OrderNotFound, -1121 → BadSymbol).
 */
export class BinanceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'BinanceApiError';
  }

  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** The errors the simulator replies with, by meaning. */
export const binanceErrors = {
  invalidSymbol: () => new BinanceApiError(400, -1121, 'Invalid symbol.'),
  invalidInterval: () => new BinanceApiError(400, -1120, 'Invalid interval.'),
  invalidOrderType: () => new BinanceApiError(400, -1116, 'Invalid orderType.'),
  mandatory: (name: string) =>
    new BinanceApiError(
      400,
      -1102,
      `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
    ),
  eitherParam: (a: string, b: string) =>
    new BinanceApiError(
      400,
      -1102,
      `Param '${a}' or '${b}' must be sent, but both were empty/null!`,
    ),
  illegalParam: (name: string, legal: string) =>
    new BinanceApiError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`,
    ),
  notRequired: (name: string) =>
    new BinanceApiError(400, -1106, `Parameter '${name}' sent when not required.`),
  startAfterEnd: () => new BinanceApiError(400, -1023, 'Start time is greater than end time.'),
  filterFailure: (filter: string) => new BinanceApiError(400, -1013, `Filter failure: ${filter}`),
  marketClosed: () => new BinanceApiError(400, -1013, 'Market is closed.'),
  duplicateOrder: () => new BinanceApiError(400, -2010, 'Duplicate order sent.'),
  insufficientBalance: () =>
    new BinanceApiError(400, -2010, 'Account has insufficient balance for requested action.'),
  orderNotFound: () => new BinanceApiError(400, -2013, 'Order does not exist.'),
  wouldTriggerImmediately: () =>
    new BinanceApiError(400, -2010, 'Stop price would trigger immediately.'),
  cancelRejected: () => new BinanceApiError(400, -2011, 'Unknown order sent.'),
  unauthorized: () =>
    new BinanceApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  // Real Binance answers unknown paths with an HTML 404. A JSON body with a code no Binance
  // endpoint uses makes ccxt throw a plain ExchangeError naming the path, instead of the
  // retryable ExchangeNotAvailable it derives from a bare 404: calling an endpoint the simulator
  // does not serve is a bug to fix, not an outage to wait out.
  notFound: (method: string, path: string) =>
    new BinanceApiError(
      404,
      -1,
      `Not found: ${method} ${path} is not served by the exchange simulator.`,
    ),
  rateLimited: (limit: number) =>
    new BinanceApiError(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
    ),
  ipBanned: (until: number) =>
    new BinanceApiError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    ),
  tooManyOrders: (limit: number, interval: string) =>
    new BinanceApiError(
      429,
      -1015,
      `Too many new orders; current limit is ${limit} orders per ${interval}.`,
    ),
  internal: (detail: string) =>
    new BinanceApiError(
      500,
      -1000,
      `An unknown error occured while processing the request. ${detail}`,
    ),
} as const;

/** Binance kline row: `[openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBase, takerQuote, ignore]`. */
export type KlineRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
];

/**
 * One candle as a Binance kline row. The files hold no trade counts or taker volumes, so those are
 * zero; the quote volume is estimated from the close.
 */
export function klineRow(candle: Candle, timeframeMs: number): KlineRow {
  return [
    candle.time,
    formatDecimal(candle.open),
    formatDecimal(candle.high),
    formatDecimal(candle.low),
    formatDecimal(candle.close),
    formatDecimal(candle.volume),
    candle.time + timeframeMs - 1,
    formatDecimal(candle.volume * candle.close),
    0,
    formatDecimal(0),
    formatDecimal(0),
    '0',
  ];
}

/**
 * The order types the simulator takes: market orders, and `STOP_LOSS` (a stop that sells at
 * market once triggered), which ccxt sends for a market order with `stopLossPrice` on spot.
 * ccxt checks this list before sending an order.
 */
export const supportedOrderTypes = ['MARKET', 'STOP_LOSS'] as const;

/** One `symbols[]` entry of `GET /api/v3/exchangeInfo`, shaped like Binance's spot reply. */
export function exchangeInfoSymbol(id: string, base: string, quote: string, rules: MarketRules) {
  return {
    symbol: id,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [...supportedOrderTypes],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: formatDecimal(rules.tickSize),
        maxPrice: formatDecimal(1000),
        tickSize: formatDecimal(rules.tickSize),
      },
      {
        filterType: 'LOT_SIZE',
        minQty: formatDecimal(rules.minQty),
        maxQty: formatDecimal(9_000_000),
        stepSize: formatDecimal(rules.stepSize),
      },
      {
        filterType: 'MIN_NOTIONAL',
        minNotional: formatDecimal(rules.minNotional),
        applyToMarket: true,
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: formatDecimal(rules.minNotional),
        applyMinToMarket: true,
        maxNotional: formatDecimal(9_000_000),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: formatDecimal(0),
        maxQty: formatDecimal(9_000_000),
        stepSize: formatDecimal(0),
      },
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

type Params = URLSearchParams;

const clientOrderIdPattern = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const decimalPattern = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;
const integerPattern = /^[0-9]{1,20}$/;

/** What each engine refusal is on Binance, as ccxt's binance `handleErrors` reads it. */
const refusals: Readonly<Record<Refusal, () => BinanceApiError>> = {
  [Refusal.UnknownSymbol]: binanceErrors.invalidSymbol,
  [Refusal.UnknownTimeframe]: binanceErrors.invalidInterval,
  [Refusal.NoPrice]: binanceErrors.marketClosed,
  [Refusal.LotSize]: () => binanceErrors.filterFailure('LOT_SIZE'),
  [Refusal.MinNotional]: () => binanceErrors.filterFailure('NOTIONAL'),
  [Refusal.InsufficientBalance]: binanceErrors.insufficientBalance,
  [Refusal.DuplicateClientOrderId]: binanceErrors.duplicateOrder,
  [Refusal.UnknownOrder]: binanceErrors.orderNotFound,
  [Refusal.OrderNotOpen]: binanceErrors.cancelRejected,
  [Refusal.PriceFilter]: () => binanceErrors.filterFailure('PRICE_FILTER'),
  [Refusal.WouldTriggerImmediately]: binanceErrors.wouldTriggerImmediately,
};

/** Binance's market id of a market, e.g. `LTCBTC`. */
const marketId = (market: SimMarket): string => `${market.base}${market.quote}`;

/** The engine's markets by Binance id. */
const marketsById = (engine: MatchingEngine) => marketsByWireId(engine, marketId);

/** Query string and form body together; as on Binance, the query string wins a clash. */
function paramsOf(request: WireRequest): Params {
  const params = new URLSearchParams(request.body);
  for (const [name, value] of request.query) params.set(name, value);
  return params;
}

function ok(body: unknown): WireReply {
  return { status: 200, body };
}

function errorReply(error: BinanceApiError): WireReply {
  return { status: error.status, body: error.body() };
}

function requireAuth(request: WireRequest, params: Params): void {
  const apiKey = request.headers['x-mbx-apikey'];
  if (typeof apiKey !== 'string' || apiKey === '' || !params.get('signature')) {
    throw binanceErrors.unauthorized();
  }
}

function requiredMarket(engine: MatchingEngine, params: Params): SimMarket {
  const id = params.get('symbol');
  if (!id) throw binanceErrors.mandatory('symbol');
  const market = marketsById(engine).get(id);
  if (market === undefined) throw binanceErrors.invalidSymbol();
  return market;
}

function optionalInteger(params: Params, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  if (!integerPattern.test(value)) throw binanceErrors.illegalParam(name, integerPattern.source);
  return Number(value);
}

function decimalParam(params: Params, name: string): number {
  const value = params.get(name) ?? '';
  if (!decimalPattern.test(value)) throw binanceErrors.illegalParam(name, decimalPattern.source);
  return Number(value);
}

function orderRef(params: Params): OrderRef {
  const orderId = optionalInteger(params, 'orderId');
  const clientOrderId = params.get('origClientOrderId') || undefined;
  if (orderId === undefined && clientOrderId === undefined) {
    throw binanceErrors.eitherParam('origClientOrderId', 'orderId');
  }
  return {
    ...(orderId === undefined ? {} : { orderId }),
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
  };
}

const statusNames = { filled: 'FILLED', open: 'NEW', cancelled: 'CANCELED' } as const;

/** The fields every order reply (placement, `GET` and `DELETE /api/v3/order`) shares. */
function orderState(order: SimOrder) {
  const filled = order.status === 'filled';
  return {
    price: formatDecimal(0),
    origQty: formatDecimal(order.amount),
    executedQty: formatDecimal(filled ? order.amount : 0),
    origQuoteOrderQty: formatDecimal(0),
    cummulativeQuoteQty: formatDecimal(filled ? roundToWire(order.amount * order.price) : 0),
    status: statusNames[order.status],
    timeInForce: 'GTC',
    type: order.type === 'stop' ? 'STOP_LOSS' : 'MARKET',
    side: order.side === 'buy' ? 'BUY' : 'SELL',
    ...(order.stopPrice === undefined ? {} : { stopPrice: formatDecimal(order.stopPrice) }),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/**
 * When the order started working on the book: at once for a market order, once triggered for a
 * stop (-1 before, as Binance reports an untriggered stop).
 */
function workingTime(order: SimOrder): number {
  if (order.type === 'market') return order.placedAt;
  return order.status === 'filled' ? order.time : -1;
}

/** `GET /api/v3/order`'s shape of an order. */
function orderReply(market: SimMarket, order: SimOrder) {
  return {
    symbol: marketId(market),
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
    ...orderState(order),
    stopPrice: formatDecimal(order.stopPrice ?? 0),
    icebergQty: formatDecimal(0),
    time: order.placedAt,
    updateTime: order.updatedAt,
    isWorking: order.status === 'filled',
    workingTime: workingTime(order),
  };
}

function exchangeInfo(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const markets = params.get('symbol')
    ? [requiredMarket(engine, params)]
    : [...marketsById(engine).values()];
  return ok({
    timezone: 'UTC',
    serverTime: engine.now(),
    rateLimits: [
      {
        rateLimitType: 'REQUEST_WEIGHT',
        interval: 'MINUTE',
        intervalNum: 1,
        limit: binanceLimits.requestWeight,
      },
      {
        rateLimitType: 'ORDERS',
        interval: 'SECOND',
        intervalNum: 10,
        limit: binanceLimits.orders10s,
      },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: binanceLimits.ordersDay },
    ],
    exchangeFilters: [],
    symbols: markets.map((m) => exchangeInfoSymbol(marketId(m), m.base, m.quote, m.rules)),
  });
}

/**
 * One `GET /api/v3/ticker/24hr` entry (the `FULL` type), shaped like Binance's spot reply; ccxt's
 * binance reads an entry carrying `bidQty` and no `time` as a spot ticker. The simulator keeps no
 * order book and no trades: bid and ask are the last price with no size, trade ids and count
 * are those of no trade (-1, -1, 0).
 */
export function ticker24hr(market: SimMarket, ticker: SimTicker) {
  const change = roundToWire(ticker.last - ticker.open);
  const percent = ticker.open > 0 ? (change / ticker.open) * 100 : 0;
  return {
    symbol: marketId(market),
    priceChange: formatDecimal(change),
    priceChangePercent: percent.toFixed(3),
    weightedAvgPrice: formatDecimal(ticker.vwap),
    prevClosePrice: formatDecimal(ticker.open),
    lastPrice: formatDecimal(ticker.last),
    lastQty: formatDecimal(0),
    bidPrice: formatDecimal(ticker.last),
    bidQty: formatDecimal(0),
    askPrice: formatDecimal(ticker.last),
    askQty: formatDecimal(0),
    openPrice: formatDecimal(ticker.open),
    highPrice: formatDecimal(ticker.high),
    lowPrice: formatDecimal(ticker.low),
    volume: formatDecimal(ticker.baseVolume),
    quoteVolume: formatDecimal(ticker.quoteVolume),
    openTime: ticker.openTime,
    closeTime: ticker.closeTime - 1,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}

/** The markets a ticker request names in `symbols` (a JSON array of ids), in that order. */
function namedMarkets(engine: MatchingEngine, params: Params): SimMarket[] | undefined {
  const text = params.get('symbols');
  if (text === null || text === '') return undefined;
  let ids: unknown;
  try {
    ids = JSON.parse(text);
  } catch {
    throw binanceErrors.illegalParam('symbols', '["SYMBOL",...]');
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw binanceErrors.illegalParam('symbols', '["SYMBOL",...]');
  }
  return ids.map((id: string) => {
    const market = marketsById(engine).get(id);
    if (market === undefined) throw binanceErrors.invalidSymbol();
    return market;
  });
}

/**
 * `GET /api/v3/ticker/24hr`: one market's rolling 24-hour statistics with `symbol` (an object),
 * those of `symbols` (a JSON array of ids), or, with neither, every market's (what ccxt's
 * `fetchTickers` asks on spot without symbols): an array.
 */
function ticker24hrRoute(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  if (params.get('symbol') && params.get('symbols')) {
    throw new BinanceApiError(
      400,
      -1128,
      'Combination of optional parameters invalid. Recommendation: send either symbol or symbols.',
    );
  }
  const tickers = new Map(engine.tickers().map((t) => [t.symbol, t]));
  const row = (market: SimMarket) => {
    const ticker = tickers.get(market.symbol);
    // A market with no candle closed by now has no ticker yet (see MatchingEngine.tickers).
    return ticker === undefined ? undefined : ticker24hr(market, ticker);
  };
  if (params.get('symbol')) {
    const one = row(requiredMarket(engine, params));
    if (one === undefined) throw binanceErrors.marketClosed();
    return ok(one);
  }
  const markets = namedMarkets(engine, params) ?? [...marketsById(engine).values()];
  return ok(markets.flatMap((m) => row(m) ?? []));
}

function klines(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const market = requiredMarket(engine, params);
  const interval = params.get('interval');
  if (!interval) throw binanceErrors.mandatory('interval');
  if (!engine.serves(market.symbol, interval)) throw binanceErrors.invalidInterval();
  const limit = Math.min(1000, optionalInteger(params, 'limit') ?? 500);
  if (limit < 1) throw binanceErrors.illegalParam('limit', '[1, 1000]');
  const startTime = optionalInteger(params, 'startTime');
  const endTime = optionalInteger(params, 'endTime');
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    throw binanceErrors.startAfterEnd();
  }
  const candles = engine.servedCandles(market.symbol, interval as Timeframe, {
    limit,
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
  });
  const tf = timeframeMs(interval as Timeframe);
  return ok(candles.map((c) => klineRow(c, tf)));
}

function placeOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  requireAuth(request, params);
  const market = requiredMarket(engine, params);
  const sideParam = params.get('side');
  if (!sideParam) throw binanceErrors.mandatory('side');
  if (sideParam !== 'BUY' && sideParam !== 'SELL') {
    throw binanceErrors.illegalParam('side', 'BUY, SELL');
  }
  const type = params.get('type');
  if (!type) throw binanceErrors.mandatory('type');
  if (!(supportedOrderTypes as readonly string[]).includes(type)) {
    throw binanceErrors.invalidOrderType();
  }
  const clientOrderId = params.get('newClientOrderId') || undefined;
  if (clientOrderId !== undefined && !clientOrderIdPattern.test(clientOrderId)) {
    throw binanceErrors.illegalParam('newClientOrderId', clientOrderIdPattern.source);
  }
  const respType = params.get('newOrderRespType') ?? 'FULL';
  if (!['ACK', 'RESULT', 'FULL'].includes(respType)) {
    throw binanceErrors.illegalParam('newOrderRespType', 'ACK, RESULT, FULL');
  }
  const ids = clientOrderId === undefined ? {} : { clientOrderId };
  const order =
    type === 'STOP_LOSS'
      ? placeStopLoss(engine, market, params, sideParam, ids)
      : placeMarket(engine, market, params, sideParam, ids);
  const ack = {
    symbol: marketId(market),
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
    transactTime: order.placedAt,
  };
  if (respType === 'ACK') return ok(ack);
  const result = { ...ack, ...orderState(order), workingTime: workingTime(order) };
  if (respType === 'RESULT') return ok(result);
  const fills =
    order.status === 'filled'
      ? [
          {
            price: formatDecimal(order.price),
            qty: formatDecimal(order.amount),
            commission: formatDecimal(order.fee),
            commissionAsset: market.quote,
            tradeId: order.orderId,
          },
        ]
      : [];
  return ok({ ...result, fills });
}

function placeMarket(
  engine: MatchingEngine,
  market: SimMarket,
  params: Params,
  side: 'BUY' | 'SELL',
  ids: { clientOrderId?: string },
): SimOrder {
  const quantity = params.get('quantity');
  const quoteOrderQty = params.get('quoteOrderQty');
  if (quantity && quoteOrderQty) throw binanceErrors.notRequired('quoteOrderQty');
  if (!quantity && !quoteOrderQty) throw binanceErrors.eitherParam('quantity', 'quoteOrderQty');
  if (params.get('stopPrice')) throw binanceErrors.notRequired('stopPrice');
  const size = quantity
    ? { amount: decimalParam(params, 'quantity') }
    : { quoteAmount: decimalParam(params, 'quoteOrderQty') };
  return engine.placeMarketOrder({
    symbol: market.symbol,
    side: side === 'BUY' ? 'buy' : 'sell',
    ...ids,
    ...size,
  });
}

/** `STOP_LOSS`: `quantity` and `stopPrice` are mandatory, a price is not taken. */
function placeStopLoss(
  engine: MatchingEngine,
  market: SimMarket,
  params: Params,
  side: 'BUY' | 'SELL',
  ids: { clientOrderId?: string },
): SimOrder {
  if (!params.get('quantity')) throw binanceErrors.mandatory('quantity');
  if (!params.get('stopPrice')) throw binanceErrors.mandatory('stopPrice');
  if (params.get('quoteOrderQty')) throw binanceErrors.notRequired('quoteOrderQty');
  if (params.get('price')) throw binanceErrors.notRequired('price');
  // Binance takes buy stops too; the simulator rests sell stops only, and says so.
  if (side === 'BUY') throw binanceErrors.internal('the simulator rests sell stops only');
  return engine.placeStopOrder({
    symbol: market.symbol,
    side: 'sell',
    amount: decimalParam(params, 'quantity'),
    stopPrice: decimalParam(params, 'stopPrice'),
    ...ids,
  });
}

function queryOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  requireAuth(request, params);
  const market = requiredMarket(engine, params);
  const order = engine.findOrder(market.symbol, orderRef(params));
  if (order === undefined) throw binanceErrors.orderNotFound();
  return ok(orderReply(market, order));
}

/**
 * `DELETE /api/v3/order`: Binance's reply names the cancelled order by `origClientOrderId` and
 * gives the cancel request its own `clientOrderId` (generated when none is sent).
 */
function cancelOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  requireAuth(request, params);
  const market = requiredMarket(engine, params);
  let order: SimOrder;
  try {
    order = engine.cancelOrder(market.symbol, orderRef(params));
  } catch (error) {
    // Binance answers a cancel of an unknown or no longer open order alike.
    if (error instanceof EngineRefusalError) throw binanceErrors.cancelRejected();
    throw error;
  }
  return ok({
    symbol: marketId(market),
    origClientOrderId: order.clientOrderId,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: params.get('newClientOrderId') || `cancel-${order.orderId}`,
    transactTime: order.updatedAt,
    ...orderState(order),
  });
}

/**
 * `GET /api/v3/myTrades`: the account's fills of one symbol (each simulated order fills in one
 * trade, whose id is the order's), optionally of one `orderId`, oldest first, at most `limit`.
 */
function myTrades(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  requireAuth(request, params);
  const market = requiredMarket(engine, params);
  const orderId = optionalInteger(params, 'orderId');
  const limit = Math.min(1000, optionalInteger(params, 'limit') ?? 500);
  const fills = engine.orders
    .filter((o) => o.symbol === market.symbol)
    .filter((o) => orderId === undefined || o.orderId === orderId)
    .slice(0, limit);
  return ok(
    fills.map((o) => ({
      symbol: marketId(market),
      id: o.orderId,
      orderId: o.orderId,
      orderListId: -1,
      price: formatDecimal(o.price),
      qty: formatDecimal(o.amount),
      quoteQty: formatDecimal(roundToWire(o.amount * o.price)),
      commission: formatDecimal(o.fee),
      commissionAsset: market.quote,
      time: o.time,
      isBuyer: o.side === 'buy',
      isMaker: false,
      isBestMatch: true,
    })),
  );
}

function account(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request, paramsOf(request));
  const fee = formatDecimal(engine.feeRate);
  return ok({
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: fee, taker: fee, buyer: formatDecimal(0), seller: formatDecimal(0) },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: engine.now(),
    accountType: 'SPOT',
    balances: balanceRows(engine),
    permissions: ['SPOT'],
    uid: 1,
  });
}

function balanceRows(engine: MatchingEngine) {
  const free = engine.balances();
  const locked = engine.lockedBalances();
  const assets = [...new Set([...Object.keys(free), ...Object.keys(locked)])];
  return assets.map((asset) => ({
    asset,
    free: formatDecimal(free[asset] ?? 0),
    locked: formatDecimal(locked[asset] ?? 0),
  }));
}

function apiRestrictions(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request, paramsOf(request));
  const { ipList: _listed, ...restrictions } = engine.restrictions;
  return ok({ ...restrictions, createTime: 1_514_764_800_000 });
}

/**
 * `GET /sapi/v1/account/apiRestrictions/ipRestriction`: whether the key is bound to addresses,
 * and which. Binance spells the flag as a string here, unlike in `apiRestrictions`.
 */
function ipRestriction(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  requireAuth(request, params);
  const { ipRestrict, ipList } = engine.restrictions;
  const apiKey = request.headers['x-mbx-apikey'];
  return ok({
    ipRestrict: String(ipRestrict),
    ipList: ipRestrict ? [...ipList] : [],
    updateTime: 1_514_764_800_000,
    apiKey: typeof apiKey === 'string' ? apiKey : '',
  });
}

/**
 * Binance's documented spot limits: request weight per IP per minute (`/api/*` endpoints share
 * it), orders per account per 10 seconds and per day, and the separate weight each IP-limited
 * `/sapi/*` endpoint has of its own.
 */
export const binanceLimits = {
  requestWeight: 6000,
  orders10s: 50,
  ordersDay: 160_000,
  sapiIpWeight: 12_000,
} as const;

const minuteMs = 60_000;

const binanceRules: readonly RateRule[] = [
  {
    id: 'REQUEST_WEIGHT',
    window: { kind: 'fixed', ms: minuteMs, limit: binanceLimits.requestWeight },
    // IP bans scale for repeat offenders from 2 minutes to 3 days (Binance's LIMITS page).
    ban: { firstMs: 2 * minuteMs, maxMs: 3 * 24 * 60 * minuteMs },
    usedHeader: 'x-mbx-used-weight-1m',
  },
  {
    id: 'ORDERS_10S',
    window: { kind: 'fixed', ms: 10_000, limit: binanceLimits.orders10s },
    usedHeader: 'x-mbx-order-count-10s',
  },
  {
    id: 'ORDERS_1D',
    window: { kind: 'fixed', ms: 24 * 60 * minuteMs, limit: binanceLimits.ordersDay },
    usedHeader: 'x-mbx-order-count-1d',
  },
  {
    // Over it, /sapi/* answers 429 and never bans.
    id: 'SAPI_IP_WEIGHT',
    window: { kind: 'fixed', ms: minuteMs, limit: binanceLimits.sapiIpWeight },
    usedHeader: 'x-sapi-used-ip-weight-1m',
  },
];

/** Request weights of the `/api/v3` endpoints, from Binance's spot REST docs. */
const apiWeights: Readonly<Record<string, number>> = {
  'GET /api/v3/ping': 1,
  'GET /api/v3/time': 1,
  'GET /api/v3/exchangeInfo': 20,
  'GET /api/v3/klines': 2,
  'POST /api/v3/order': 1,
  'GET /api/v3/order': 4,
  'DELETE /api/v3/order': 1,
  'GET /api/v3/account': 20,
  'GET /api/v3/myTrades': 20,
};

/** Weights that depend on whether one symbol is named (one symbol, every symbol). */
const perSymbolWeights: Readonly<Record<string, readonly [number, number]>> = {
  'GET /api/v3/openOrders': [6, 80],
  'GET /api/v3/ticker/24hr': [2, 80],
};

/**
 * `ticker/24hr`'s weight by the number of `symbols` named (Binance's docs: 1-20 → 2, 21-100 →
 * 40, 101 or more → 80, as many as all of them).
 */
function symbolsWeight(params: Params): number | undefined {
  const text = params.get('symbols');
  if (!text) return undefined;
  let count = 0;
  try {
    const ids = JSON.parse(text) as unknown;
    count = Array.isArray(ids) ? ids.length : 0;
  } catch {
    return undefined;
  }
  return count <= 20 ? 2 : count <= 100 ? 40 : 80;
}

function requestWeight(request: WireRequest): number {
  const key = `${request.method} ${request.path}`;
  const bySymbol = perSymbolWeights[key];
  if (bySymbol !== undefined) {
    const params = paramsOf(request);
    if (params.get('symbol')) return bySymbol[0];
    if (key === 'GET /api/v3/ticker/24hr') return symbolsWeight(params) ?? bySymbol[1];
    return bySymbol[1];
  }
  return apiWeights[key] ?? 1;
}

const binanceRateLimits: WireRateLimits = {
  rules: binanceRules,
  cost(_engine, request, ip) {
    const weight = requestWeight(request);
    if (request.path.startsWith('/sapi/')) {
      return {
        weight,
        charges: [{ rule: 'SAPI_IP_WEIGHT', bucket: `ip:${ip}|${request.path}`, amount: weight }],
      };
    }
    const charges: RateCharge[] = [{ rule: 'REQUEST_WEIGHT', bucket: `ip:${ip}`, amount: weight }];
    if (request.method === 'POST' && request.path === '/api/v3/order') {
      // The simulator keeps one account, whatever key signs for it.
      charges.push(
        { rule: 'ORDERS_10S', bucket: 'account', amount: 1 },
        { rule: 'ORDERS_1D', bucket: 'account', amount: 1 },
      );
    }
    return { weight, charges };
  },
  isMarketsRequest: (request) =>
    request.method === 'GET' && request.path === '/api/v3/exchangeInfo',
};

/** Binance's answer to a request its limits refuse, as ccxt's binance reads it. */
function rateLimitedReply(refusal: RateRefusal): WireReply {
  const error =
    refusal.kind === 'banned'
      ? binanceErrors.ipBanned(refusal.until)
      : refusal.rule === 'ORDERS_10S'
        ? binanceErrors.tooManyOrders(refusal.limit, '10 SECOND')
        : refusal.rule === 'ORDERS_1D'
          ? binanceErrors.tooManyOrders(refusal.limit, '1 DAY')
          : binanceErrors.rateLimited(refusal.limit || binanceLimits.requestWeight);
  return {
    ...errorReply(error),
    headers: { 'retry-after': String(refusal.retryAfterSeconds) },
  };
}

const routes: readonly WireRoute[] = [
  { method: 'GET', path: '/api/v3/ping', handle: () => ok({}) },
  { method: 'GET', path: '/api/v3/time', handle: (engine) => ok({ serverTime: engine.now() }) },
  { method: 'GET', path: '/api/v3/exchangeInfo', handle: exchangeInfo },
  { method: 'GET', path: '/api/v3/klines', handle: klines },
  { method: 'GET', path: '/api/v3/ticker/24hr', handle: ticker24hrRoute },
  { method: 'POST', path: '/api/v3/order', handle: placeOrder },
  { method: 'GET', path: '/api/v3/order', handle: queryOrder },
  { method: 'DELETE', path: '/api/v3/order', handle: cancelOrder },
  { method: 'GET', path: '/api/v3/account', handle: account },
  { method: 'GET', path: '/api/v3/myTrades', handle: myTrades },
  { method: 'GET', path: '/sapi/v1/account/apiRestrictions', handle: apiRestrictions },
  {
    method: 'GET',
    path: '/sapi/v1/account/apiRestrictions/ipRestriction',
    handle: ipRestriction,
  },
];

/**
 * The subset of Binance's spot REST API that ccxt's `binance` class uses: `exchangeInfo`,
 * `klines`, `ticker/24hr`, `order` (POST, GET, DELETE; market and `STOP_LOSS`), `myTrades`, `account`, `time`,
 * `ping`, and the key's
 * `apiRestrictions` with its `ipRestriction`. Private endpoints want an `X-MBX-APIKEY` header and a `signature`
 * parameter, neither verified. Point ccxt's binance at it with `urls.api.public` and
 * `urls.api.private` set to `${url}/api/v3`.
 */
export const binanceWire: ExchangeWire = {
  exchange: 'binance',
  routes,
  symbolOf(engine, request) {
    const id = paramsOf(request).get('symbol');
    return id === null ? undefined : marketsById(engine).get(id)?.symbol;
  },
  placesOrder: (request) => request.method === 'POST' && request.path === '/api/v3/order',
  notFound: (request) => errorReply(binanceErrors.notFound(request.method, request.path)),
  rateLimited: rateLimitedReply,
  rateLimits: binanceRateLimits,
  replyToError(error) {
    if (error instanceof BinanceApiError) return errorReply(error);
    if (error instanceof EngineRefusalError) return errorReply(refusals[error.reason]());
    // A handler bug must not take the simulator down; the client sees a 500.
    return errorReply(binanceErrors.internal(String(error)));
  },
};
