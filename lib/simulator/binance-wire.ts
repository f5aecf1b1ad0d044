import type { Candle } from '../domain/candle.js';
import { formatDecimal, type MarketRules } from '../market-data/market-rules.js';

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
  rateLimited: () =>
    new BinanceApiError(
      429,
      -1003,
      'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use WebSocket Streams for live updates to avoid polling the API.',
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

/** The one order type the simulator fills; ccxt checks this list before sending an order. */
export const supportedOrderTypes = ['MARKET'] as const;

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
