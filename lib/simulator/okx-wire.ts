import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { formatDecimal } from '../market-data/market-rules.js';
import {
  EngineRefusalError,
  type MatchingEngine,
  type OrderRef,
  Refusal,
  type SimOrder,
  type SimTicker,
} from './matching-engine.js';
import type { RateRule } from './rate-limits.js';
import { marketsByWireId, type SimMarket } from './sim-markets.js';
import type { ExchangeWire, WireRateLimits, WireReply, WireRequest, WireRoute } from './wire.js';

/**
 * An OKX error: the HTTP status and the `{ code, data: [], msg }` body OKX answers a request it
 * refuses as a whole. Where OKX refuses one order of a request instead (HTTP 200, `code` "1",
 * the order's `sCode` and `sMsg` in `data`), the same error supplies that order's code and
 * message. The codes are the ones ccxt's okx class maps to its error classes (51008 →
 * InsufficientFunds, 51016 → InvalidOrder, 51603 → OrderNotFound, 51001 → BadSymbol, 50011 →
 * RateLimitExceeded, ...), the statuses those of OKX's error code table.
 */
export class OkxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OkxApiError';
  }

  body(): { code: string; data: never[]; msg: string } {
    return { code: this.code, data: [], msg: this.message };
  }
}

/** The errors the simulator replies with, by meaning, in OKX's codes and words. */
export const okxErrors = {
  emptyBody: () => new OkxApiError(400, '50000', 'Body for POST request cannot be empty.'),
  jsonSyntax: () => new OkxApiError(400, '50002', 'JSON syntax error'),
  contentType: () =>
    new OkxApiError(400, '50006', 'Invalid Content-Type. Please use "application/JSON".'),
  emptyParam: (name: string) =>
    new OkxApiError(400, '50014', `Parameter ${name} can not be empty.`),
  eitherParam: (a: string, b: string) =>
    new OkxApiError(400, '50015', `Either parameter ${a} or ${b} is required.`),
  tooMany: (name: string, most: number) =>
    new OkxApiError(200, '50025', `Parameter ${name} count exceeds the limit ${most}.`),
  paramError: (name: string) => new OkxApiError(400, '51000', `Parameter ${name} error`),
  unknownInstrument: () =>
    new OkxApiError(200, '51001', "Instrument ID, Instrument ID code or Spread ID doesn't exist."),
  insufficientBalance: (currency?: string) =>
    new OkxApiError(
      200,
      '51008',
      `Order failed. Insufficient ${currency === undefined ? '' : `${currency} `}balance in account`,
    ),
  accountMode: () =>
    new OkxApiError(200, '51010', 'Request unsupported under current account mode'),
  duplicateClientOrderId: () => new OkxApiError(200, '51016', 'Client order ID already exists.'),
  belowMinimum: () =>
    new OkxApiError(200, '51020', 'Your order should meet or exceed the minimum order amount.'),
  notListed: () => new OkxApiError(200, '51021', 'The pair or contract is not yet listed'),
  lotSize: () =>
    new OkxApiError(200, '51121', 'Order quantity must be a multiple of the lot size.'),
  stopAboveLast: () =>
    new OkxApiError(200, '51280', 'SL trigger price cannot be higher than the last price.'),
  cancelFailed: () =>
    new OkxApiError(
      200,
      '51400',
      'Order cancellation failed as the order has been filled, canceled or does not exist.',
    ),
  orderNotFound: () => new OkxApiError(200, '51603', 'Order does not exist.'),
  missingHeader: (header: string, code: string) =>
    new OkxApiError(401, code, `Request header "${header}" cannot be empty.`),
  // Real OKX answers unknown paths without an OKX body. A JSON body with a code no OKX endpoint
  // uses makes ccxt throw a plain ExchangeError naming the path, instead of the retryable
  // ExchangeNotAvailable it derives from a bare 404: calling an endpoint the simulator does not
  // serve is a bug to fix, not an outage to wait out.
  notFound: (method: string, path: string) =>
    new OkxApiError(
      404,
      '404',
      `Not found: ${method} ${path} is not served by the exchange simulator.`,
    ),
  rateLimited: () => new OkxApiError(429, '50011', 'Too Many Requests'),
  internal: (detail: string) =>
    new OkxApiError(500, '50026', `System error. Try again later. ${detail}`),
} as const;

/** What an engine refusal was about, so that it reads as OKX words it for that order. */
interface RefusalContext {
  /** The currency a short balance is short of. */
  readonly currency?: string;
  /** The order's size was below the instrument's `minSz` (rather than off its `lotSz`). */
  readonly belowMinSize?: boolean;
}

/** What each engine refusal is on OKX, as ccxt's okx `handleErrors` reads it. */
const refusals: Readonly<Record<Refusal, (context: RefusalContext) => OkxApiError>> = {
  [Refusal.UnknownSymbol]: okxErrors.unknownInstrument,
  [Refusal.UnknownTimeframe]: () => okxErrors.paramError('bar'),
  // Before its data starts, a market is one OKX has not listed yet.
  [Refusal.NoPrice]: okxErrors.notListed,
  [Refusal.LotSize]: ({ belowMinSize }) =>
    belowMinSize === true ? okxErrors.belowMinimum() : okxErrors.lotSize(),
  [Refusal.MinNotional]: okxErrors.belowMinimum,
  [Refusal.InsufficientBalance]: ({ currency }) => okxErrors.insufficientBalance(currency),
  [Refusal.DuplicateClientOrderId]: okxErrors.duplicateClientOrderId,
  [Refusal.UnknownOrder]: okxErrors.orderNotFound,
  [Refusal.OrderNotOpen]: okxErrors.cancelFailed,
  // Only a stop carries a price the engine checks against the tick.
  [Refusal.PriceFilter]: () => okxErrors.paramError('slTriggerPx'),
  [Refusal.WouldTriggerImmediately]: okxErrors.stopAboveLast,
};

/** OKX's error for an engine refusal of a request about one order, worded for that order. */
function refusalError(error: unknown, context: RefusalContext): unknown {
  return error instanceof EngineRefusalError ? refusals[error.reason](context) : error;
}

/** A JSON object of a request: its query string, or one order of its body. */
type Fields = Readonly<Record<string, unknown>>;

/** OKX's instrument id of a market, e.g. `LTC-BTC`. */
const instrumentId = (market: SimMarket): string => `${market.base}-${market.quote}`;

/** The engine's markets by OKX instrument id. */
const marketsById = (engine: MatchingEngine) => marketsByWireId(engine, instrumentId);

/**
 * What OKX echoes of an order that the engine does not keep: the size as sent (in the unit
 * `tgtCcy` names), the tag, and whether a stop's client id came as the deprecated `clOrdId`.
 * Kept per engine for its lifetime; an order restored from a state file has none, and is
 * reported with its size in the base currency.
 */
interface OrderNote {
  readonly sz: string;
  readonly tgtCcy: string;
  readonly tag: string;
  readonly clOrdIdAlias: boolean;
}

const noteMaps = new WeakMap<MatchingEngine, Map<number, OrderNote>>();

function notesOf(engine: MatchingEngine): Map<number, OrderNote> {
  let notes = noteMaps.get(engine);
  if (notes === undefined) {
    notes = new Map();
    noteMaps.set(engine, notes);
  }
  return notes;
}

/**
 * Algo ids live in a range of their own, as OKX's algo ids and order ids are different numbers:
 * a client that sends a stop's algo id where an order id belongs finds nothing, as on OKX.
 */
const algoIdOffset = 1_000_000_000_000_000;

const algoIdOf = (order: SimOrder): string => String(algoIdOffset + order.orderId);
const orderIdOf = (order: SimOrder): string => String(order.orderId);

/** The engine order number an OKX order id names; undefined for none. */
function orderNumber(ordId: string): number | undefined {
  if (!/^[0-9]{1,15}$/.test(ordId)) return undefined;
  const n = Number(ordId);
  return n >= 1 && n < algoIdOffset ? n : undefined;
}

/** The engine order number an OKX algo id names; undefined for none. */
function algoNumber(algoId: string): number | undefined {
  if (!/^[0-9]{1,16}$/.test(algoId)) return undefined;
  const n = Number(algoId) - algoIdOffset;
  return n >= 1 ? n : undefined;
}

/** OKX's rule for `clOrdId` and `algoClOrdId`: letters and digits, 1 to 32 of them. */
const clientIdPattern = /^[A-Za-z0-9]{1,32}$/;
/** OKX's rule for `tag`: letters and digits, up to 16. */
const tagPattern = /^[A-Za-z0-9]{1,16}$/;
const decimalPattern = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;
const integerPattern = /^[0-9]{1,20}$/;

/**
 * The client id as OKX reports it: the engine names an order placed without one `sim-<n>`, which
 * OKX would never have accepted, so such an order reports none ("").
 */
const reportedClientId = (clientOrderId: string): string =>
  clientIdPattern.test(clientOrderId) ? clientOrderId : '';

/** A decimal as OKX writes it: no trailing zeros, at most the wire's 8 decimals. */
export function okxDecimal(value: number): string {
  const text = formatDecimal(value).replace(/\.?0+$/, '');
  return text === '-0' || text === '' ? '0' : text;
}

/** One parameter as a string; OKX treats an empty one as not sent. */
function field(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function requiredField(fields: Fields, name: string): string {
  const value = field(fields, name);
  if (value === undefined) throw okxErrors.emptyParam(name);
  return value;
}

function optionalInteger(fields: Fields, name: string): number | undefined {
  const value = field(fields, name);
  if (value === undefined) return undefined;
  if (!integerPattern.test(value)) throw okxErrors.paramError(name);
  return Number(value);
}

/** A size or price that must be a positive decimal. */
function positiveDecimal(fields: Fields, name: string): number {
  const value = requiredField(fields, name);
  if (!decimalPattern.test(value) || !(Number(value) > 0)) throw okxErrors.paramError(name);
  return Number(value);
}

/** A client id parameter, checked against OKX's rule; undefined when not sent. */
function clientIdField(fields: Fields, name: string): string | undefined {
  const value = field(fields, name);
  if (value !== undefined && !clientIdPattern.test(value)) throw okxErrors.paramError(name);
  return value;
}

function tagField(fields: Fields): string {
  const tag = field(fields, 'tag');
  if (tag !== undefined && !tagPattern.test(tag)) throw okxErrors.paramError('tag');
  return tag ?? '';
}

function queryFields(request: WireRequest): Fields {
  return Object.fromEntries(request.query);
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON body of a POST, which OKX wants as `application/json`. */
function jsonBody(request: WireRequest): unknown {
  const type = request.headers['content-type'];
  if (typeof type !== 'string' || !type.toLowerCase().startsWith('application/json')) {
    throw okxErrors.contentType();
  }
  if (request.body.trim() === '') throw okxErrors.emptyBody();
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    throw okxErrors.jsonSyntax();
  }
}

function objectBody(request: WireRequest): Fields {
  const body = jsonBody(request);
  if (!isFields(body)) throw okxErrors.jsonSyntax();
  return body;
}

/** A batch endpoint's body: an array of 1 to `most` objects. */
function arrayBody(request: WireRequest, most: number): readonly Fields[] {
  const body = jsonBody(request);
  if (!Array.isArray(body) || !body.every(isFields)) throw okxErrors.jsonSyntax();
  if (body.length === 0) throw okxErrors.emptyBody();
  if (body.length > most) throw okxErrors.tooMany('orders', most);
  return body;
}

/** Private endpoints want OKX's four headers; neither the key nor the signature is checked. */
const credentialHeaders = [
  ['ok-access-key', 'OK-ACCESS-KEY', '50103'],
  ['ok-access-passphrase', 'OK-ACCESS-PASSPHRASE', '50104'],
  ['ok-access-sign', 'OK-ACCESS-SIGN', '50106'],
  ['ok-access-timestamp', 'OK-ACCESS-TIMESTAMP', '50107'],
] as const;

function requireAuth(request: WireRequest): void {
  for (const [name, header, code] of credentialHeaders) {
    const value = request.headers[name];
    if (typeof value !== 'string' || value === '') throw okxErrors.missingHeader(header, code);
  }
}

function requiredMarket(engine: MatchingEngine, fields: Fields): SimMarket {
  const market = marketsById(engine).get(requiredField(fields, 'instId'));
  if (market === undefined) throw okxErrors.unknownInstrument();
  return market;
}

function ok(data: unknown): WireReply {
  return { status: 200, body: { code: '0', msg: '', data } };
}

function errorReply(error: OkxApiError): WireReply {
  return { status: error.status, body: error.body() };
}

/** OKX's gateway times, in microseconds; the simulator answers within the same instant. */
function gatewayTimes(engine: MatchingEngine): { inTime: string; outTime: string } {
  const micros = String(engine.now() * 1000);
  return { inTime: micros, outTime: micros };
}

/**
 * OKX's answer to a request about one or more orders: HTTP 200 whatever became of them, each
 * order's outcome in its `sCode`, and `code` "0" when all succeeded, "1" when all failed, "2"
 * when some did.
 */
function ordersReply(engine: MatchingEngine, results: readonly Fields[]): WireReply {
  const failed = results.filter((r) => r.sCode !== '0').length;
  const code = failed === 0 ? '0' : failed === results.length ? '1' : '2';
  const msg =
    code === '0'
      ? ''
      : code === '1'
        ? 'All operations failed'
        : 'Bulk operation partially succeeded.';
  return { status: 200, body: { code, msg, data: results, ...gatewayTimes(engine) } };
}

/**
 * Carries out one order of a request, giving OKX's per-order outcome: OKX's refusals (and the
 * engine's, in OKX's words) become the order's `sCode` and `sMsg`; a simulator limit or a bug
 * (a 5xx) fails the whole request.
 */
function perOrder(attempt: () => Fields, failure: Fields): Fields {
  try {
    return attempt();
  } catch (error) {
    if (error instanceof OkxApiError && error.status < 500) {
      return { ...failure, sCode: error.code, sMsg: error.message };
    }
    throw error;
  }
}

/**
 * OKX bar sizes the simulator serves, by tickfan's timeframe (the engine decides which a market
 * serves: its files' and those its finest candles build). From 6 hours up OKX opens candles on
 * Hong Kong time unless the bar ends in `utc`; the files and the built candles are opened on
 * UTC, so only the `utc` bars are served (ccxt asks for those), and `6H`, `12H` or `1D` is a bar
 * the simulator refuses rather than serves misaligned.
 */
const bars: Readonly<Record<string, Timeframe>> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1H': '1h',
  '2H': '2h',
  '4H': '4h',
  '6Hutc': '6h',
  '12Hutc': '12h',
  '1Dutc': '1d',
};

/** Candles one request serves at most, on both candle endpoints (OKX's documented maximum). */
export const candlesPerRequest = 300;
/** How far back `GET /api/v5/market/candles` reaches: OKX serves the newest 1,440 there. */
export const recentCandles = 1440;

/**
 * OKX's candle row `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`: `vol` in the base,
 * both quote volumes estimated from the close (the files hold base volume only), `confirm` "0"
 * for the candle still forming at `now`.
 */
export function candleRow(candle: Candle, timeframe: Timeframe, now: number): string[] {
  const quoteVolume = okxDecimal(candle.volume * candle.close);
  return [
    String(candle.time),
    okxDecimal(candle.open),
    okxDecimal(candle.high),
    okxDecimal(candle.low),
    okxDecimal(candle.close),
    okxDecimal(candle.volume),
    quoteVolume,
    quoteVolume,
    candle.time + timeframeMs(timeframe) <= now ? '1' : '0',
  ];
}

/**
 * `GET /api/v5/market/candles` and `.../history-candles`, newest first. `after` and `before` are
 * exclusive open times: rows older than `after`, newer than `before`; of those, the newest
 * `limit` (default 100, at most 300). The recent endpoint reaches back over the newest 1,440
 * candles only; the history endpoint over everything.
 */
function candles(engine: MatchingEngine, request: WireRequest, recent: boolean): WireReply {
  const fields = queryFields(request);
  const market = requiredMarket(engine, fields);
  const bar = field(fields, 'bar') ?? '1m';
  const timeframe = bars[bar];
  if (timeframe === undefined) throw okxErrors.paramError('bar');
  const limit = Math.min(candlesPerRequest, optionalInteger(fields, 'limit') ?? 100);
  if (limit < 1) throw okxErrors.paramError('limit');
  const after = optionalInteger(fields, 'after');
  const before = optionalInteger(fields, 'before');
  const reach = recent
    ? (engine.servedCandles(market.symbol, timeframe, { limit: recentCandles })[0]?.time ??
      Infinity)
    : -Infinity;
  const served = engine.servedCandles(market.symbol, timeframe, {
    limit,
    ...(after === undefined ? {} : { endTime: after - 1 }),
  });
  const now = engine.now();
  const rows = served
    .filter((c) => c.time >= reach && (before === undefined || c.time > before))
    .map((c) => candleRow(c, timeframe, now))
    .reverse();
  return ok(rows);
}

const minSizes = new WeakMap<SimMarket, number>();

/**
 * The instrument's `minSz`: OKX states a spot pair's minimum as a size alone, no notional, so the
 * simulator publishes the smallest lot multiple whose value clears the engine's minimum notional
 * even at the lowest price the market's candles reach. An order of at least `minSz` then never
 * meets a refusal its client could not have foreseen from the instrument.
 */
export function minSize(market: SimMarket): number {
  let size = minSizes.get(market);
  if (size === undefined) {
    const { stepSize, minQty, minNotional } = market.rules;
    const lowest =
      market.lowest ?? Math.min(...(market.series.get(market.finest) ?? []).map((c) => c.low));
    const steps =
      Number.isFinite(lowest) && lowest > 0 ? Math.ceil(minNotional / lowest / stepSize) : 1;
    size = Math.max(minQty, Number((steps * stepSize).toPrecision(12)));
    minSizes.set(market, size);
  }
  return size;
}

/** One `GET /api/v5/public/instruments` entry, shaped like OKX's spot instruments. */
export function instrument(market: SimMarket) {
  const { rules } = market;
  const listed = market.series.get(market.finest)?.[0]?.time;
  return {
    alias: '',
    auctionEndTime: '',
    baseCcy: market.base,
    category: '1',
    contTdSwTime: '',
    ctMult: '',
    ctType: '',
    ctVal: '',
    ctValCcy: '',
    expTime: '',
    futureSettlement: false,
    instFamily: '',
    instId: instrumentId(market),
    instType: 'SPOT',
    // A cash-only account: no margin on the pair, which ccxt reads from `lever`.
    lever: '',
    listTime: listed === undefined ? '' : String(listed),
    lotSz: okxDecimal(rules.stepSize),
    maxIcebergSz: '9000000',
    maxLmtAmt: '20000000',
    maxLmtSz: '9000000',
    maxMktAmt: '1000000',
    maxMktSz: '1000000',
    maxStopSz: '1000000',
    maxTriggerSz: '9000000',
    maxTwapSz: '9000000',
    minSz: okxDecimal(minSize(market)),
    openType: '',
    optType: '',
    quoteCcy: market.quote,
    ruleType: 'normal',
    settleCcy: '',
    state: 'live',
    stk: '',
    tickSz: okxDecimal(rules.tickSize),
    tradeQuoteCcyList: [market.quote],
    uly: '',
  };
}

const instrumentTypes = ['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'];

function instruments(engine: MatchingEngine, request: WireRequest): WireReply {
  const fields = queryFields(request);
  const instType = requiredField(fields, 'instType');
  if (!instrumentTypes.includes(instType)) throw okxErrors.paramError('instType');
  // The simulator lists spot pairs only; margin and derivatives have no instruments.
  if (instType !== 'SPOT') return ok([]);
  const markets =
    field(fields, 'instId') === undefined
      ? [...marketsById(engine).values()]
      : [requiredMarket(engine, fields)];
  return ok(markets.map(instrument));
}

/**
 * One `GET /api/v5/market/tickers` entry, shaped like OKX's spot tickers: `vol24h` in the base,
 * `volCcy24h` in the quote (for spot; ccxt's okx reads it as the quote volume of spot markets
 * only). The simulator keeps no order book: bid and ask are the last price with no size.
 * `sodUtc0` and `sodUtc8` (the opens at 00:00 UTC and UTC+8) are the 24-hour open.
 */
export function okxTicker(market: SimMarket, ticker: SimTicker, now: number) {
  const last = okxDecimal(ticker.last);
  const open = okxDecimal(ticker.open);
  return {
    instType: 'SPOT',
    instId: instrumentId(market),
    last,
    lastSz: '0',
    askPx: last,
    askSz: '0',
    bidPx: last,
    bidSz: '0',
    open24h: open,
    high24h: okxDecimal(ticker.high),
    low24h: okxDecimal(ticker.low),
    volCcy24h: okxDecimal(ticker.quoteVolume),
    vol24h: okxDecimal(ticker.baseVolume),
    ts: String(now),
    sodUtc0: open,
    sodUtc8: open,
  };
}

/**
 * `GET /api/v5/market/tickers?instType=`: every spot pair's ticker (what ccxt's okx
 * `fetchTickers` asks, with `instType=SPOT`); the simulator lists no margin or derivative
 * instruments, so other types have none.
 */
function tickers(engine: MatchingEngine, request: WireRequest): WireReply {
  const fields = queryFields(request);
  const instType = requiredField(fields, 'instType');
  if (!['SPOT', 'SWAP', 'FUTURES', 'OPTION'].includes(instType)) {
    throw okxErrors.paramError('instType');
  }
  if (instType !== 'SPOT') return ok([]);
  const now = engine.now();
  return ok(engine.tickers().map((t) => okxTicker(engine.market(t.symbol), t, now)));
}

/** `tdMode`: a spot cash account trades `cash` only; margin modes are another account mode. */
function requireCash(fields: Fields): void {
  const tdMode = requiredField(fields, 'tdMode');
  if (tdMode === 'cash') return;
  if (['cross', 'isolated', 'spot_isolated'].includes(tdMode)) throw okxErrors.accountMode();
  throw okxErrors.paramError('tdMode');
}

function sideField(fields: Fields): 'buy' | 'sell' {
  const side = requiredField(fields, 'side');
  if (side !== 'buy' && side !== 'sell') throw okxErrors.paramError('side');
  return side;
}

/** OKX order types the simulator knows but does not carry out: a limit of the simulator. */
const unservedOrderTypes = [
  'limit',
  'post_only',
  'fok',
  'ioc',
  'optimal_limit_ioc',
  'mmp',
  'mmp_and_post_only',
  'elp',
  'rpi',
];
const unservedAlgoTypes = ['trigger', 'oco', 'chase', 'move_order_stop', 'twap', 'iceberg'];

/** A market order (`/api/v5/trade/order` or one of `batch-orders`), carried out on the engine. */
function placeMarket(engine: MatchingEngine, fields: Fields): SimOrder {
  const market = requiredMarket(engine, fields);
  requireCash(fields);
  const side = sideField(fields);
  const ordType = requiredField(fields, 'ordType');
  if (unservedOrderTypes.includes(ordType)) {
    throw okxErrors.internal(`the simulator takes market orders only, not ${ordType}`);
  }
  if (ordType !== 'market') throw okxErrors.paramError('ordType');
  const sz = positiveDecimal(fields, 'sz');
  const clientOrderId = clientIdField(fields, 'clOrdId');
  const tag = tagField(fields);
  // OKX's default unit of a spot market order's size: the quote to spend, the base to sell.
  const tgtCcy = field(fields, 'tgtCcy') ?? (side === 'buy' ? 'quote_ccy' : 'base_ccy');
  if (tgtCcy !== 'base_ccy' && tgtCcy !== 'quote_ccy') throw okxErrors.paramError('tgtCcy');
  const inBase = tgtCcy === 'base_ccy';
  if (inBase && sz < minSize(market)) throw okxErrors.belowMinimum();
  let order: SimOrder;
  try {
    order = engine.placeMarketOrder({
      symbol: market.symbol,
      side,
      ...(clientOrderId === undefined ? {} : { clientOrderId }),
      ...(inBase ? { amount: sz } : { quoteAmount: sz }),
    });
  } catch (error) {
    throw refusalError(error, {
      currency: side === 'buy' ? market.quote : market.base,
      belowMinSize: !inBase || sz < minSize(market),
    });
  }
  notesOf(engine).set(order.orderId, { sz: okxDecimal(sz), tgtCcy, tag, clOrdIdAlias: false });
  return order;
}

/** One order's outcome of `POST /api/v5/trade/order` and `batch-orders`. */
function marketOutcome(engine: MatchingEngine, fields: Fields): Fields {
  const failure = {
    clOrdId: field(fields, 'clOrdId') ?? '',
    ordId: '',
    tag: field(fields, 'tag') ?? '',
    ts: String(engine.now()),
  };
  return perOrder(() => {
    const order = placeMarket(engine, fields);
    return {
      ...failure,
      clOrdId: reportedClientId(order.clientOrderId),
      ordId: orderIdOf(order),
      sCode: '0',
      sMsg: 'Order placed',
    };
  }, failure);
}

function placeOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  return ordersReply(engine, [marketOutcome(engine, objectBody(request))]);
}

/** `POST /api/v5/trade/batch-orders`: up to 20 orders, each placed or refused on its own. */
function placeBatch(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const orders = arrayBody(request, 20);
  return ordersReply(
    engine,
    orders.map((fields) => marketOutcome(engine, fields)),
  );
}

/**
 * A `conditional` algo order with a stop-loss leg executed at market (`slOrdPx` -1): a sell
 * stop resting on the engine. Its client id is `algoClOrdId`, or the deprecated `clOrdId` that
 * OKX takes in its place (and that ccxt sends).
 */
function placeStop(engine: MatchingEngine, fields: Fields): SimOrder {
  const market = requiredMarket(engine, fields);
  requireCash(fields);
  const side = sideField(fields);
  const ordType = requiredField(fields, 'ordType');
  if (unservedAlgoTypes.includes(ordType)) {
    throw okxErrors.internal(
      `the simulator takes conditional stop-loss orders only, not ${ordType}`,
    );
  }
  if (ordType !== 'conditional') throw okxErrors.paramError('ordType');
  if (field(fields, 'closeFraction') !== undefined) throw okxErrors.paramError('closeFraction');
  const sz = positiveDecimal(fields, 'sz');
  if (field(fields, 'tpTriggerPx') !== undefined || field(fields, 'tpOrdPx') !== undefined) {
    throw okxErrors.internal('the simulator rests stop-losses only, not take-profits');
  }
  const stopPrice = positiveDecimal(fields, 'slTriggerPx');
  if (requiredField(fields, 'slOrdPx') !== '-1') {
    throw okxErrors.internal('the simulator sells a triggered stop at market only (slOrdPx -1)');
  }
  const triggerType = field(fields, 'slTriggerPxType') ?? 'last';
  if (triggerType !== 'last') {
    throw okxErrors.internal(`the simulator triggers stops on the last price, not ${triggerType}`);
  }
  // OKX takes buy stops too; the simulator rests sell stops only, and says so.
  if (side === 'buy') throw okxErrors.internal('the simulator rests sell stops only');
  if ((field(fields, 'tgtCcy') ?? 'base_ccy') !== 'base_ccy') {
    throw okxErrors.internal('the simulator sizes a sell stop in the base currency only');
  }
  const algoClOrdId = clientIdField(fields, 'algoClOrdId');
  const alias = clientIdField(fields, 'clOrdId');
  const clientOrderId = algoClOrdId ?? alias;
  const tag = tagField(fields);
  if (sz < minSize(market)) throw okxErrors.belowMinimum();
  let order: SimOrder;
  try {
    order = engine.placeStopOrder({
      symbol: market.symbol,
      side: 'sell',
      amount: sz,
      stopPrice,
      ...(clientOrderId === undefined ? {} : { clientOrderId }),
    });
  } catch (error) {
    throw refusalError(error, {
      currency: market.base,
      belowMinSize: sz < minSize(market),
    });
  }
  notesOf(engine).set(order.orderId, {
    sz: okxDecimal(sz),
    tgtCcy: '',
    tag,
    clOrdIdAlias: algoClOrdId === undefined && alias !== undefined,
  });
  return order;
}

/** `POST /api/v5/trade/order-algo`. */
function placeAlgo(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const fields = objectBody(request);
  const failure = {
    algoId: '',
    clOrdId: field(fields, 'clOrdId') ?? '',
    algoClOrdId: field(fields, 'algoClOrdId') ?? field(fields, 'clOrdId') ?? '',
    tag: field(fields, 'tag') ?? '',
  };
  const outcome = perOrder(() => {
    const order = placeStop(engine, fields);
    return { ...failure, algoId: algoIdOf(order), sCode: '0', sMsg: 'Order placed' };
  }, failure);
  return ordersReply(engine, [outcome]);
}

/**
 * A regular order as `GET /api/v5/trade/order` reports it: a market order, or the market sell
 * a stop placed when it triggered (OKX's "normal order triggered by the TP/SL order", source 7),
 * whose own client id is empty and which names its algo order by `algoId` and `algoClOrdId`.
 * Every regular order the simulator holds has filled in full, in one trade.
 */
function orderDetails(engine: MatchingEngine, market: SimMarket, order: SimOrder) {
  const note = notesOf(engine).get(order.orderId);
  const fromStop = order.type === 'stop';
  const size = okxDecimal(order.amount);
  const price = okxDecimal(order.price);
  return {
    instType: 'SPOT',
    instId: instrumentId(market),
    tgtCcy: fromStop ? '' : (note?.tgtCcy ?? 'base_ccy'),
    ccy: '',
    ordId: orderIdOf(order),
    clOrdId: fromStop ? '' : reportedClientId(order.clientOrderId),
    tag: fromStop ? '' : (note?.tag ?? ''),
    px: '',
    pxUsd: '',
    pxVol: '',
    pxType: '',
    sz: fromStop ? size : (note?.sz ?? size),
    pnl: '0',
    ordType: 'market',
    side: order.side,
    posSide: 'net',
    tdMode: 'cash',
    accFillSz: size,
    fillPx: price,
    tradeId: orderIdOf(order),
    fillSz: size,
    fillTime: String(order.time),
    avgPx: price,
    state: 'filled',
    stpId: '',
    stpMode: 'cancel_maker',
    lever: '',
    attachAlgoClOrdId: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tpOrdPx: '',
    slTriggerPx: '',
    slTriggerPxType: '',
    slOrdPx: '',
    attachAlgoOrds: [],
    linkedAlgoOrd: { algoId: '' },
    feeCcy: market.quote,
    fee: okxDecimal(-order.fee),
    rebateCcy: market.quote,
    rebate: '',
    source: fromStop ? '7' : '',
    category: 'normal',
    reduceOnly: 'false',
    isTpLimit: 'false',
    cancelSource: '',
    cancelSourceReason: '',
    quickMgnType: '',
    algoClOrdId: fromStop ? reportedClientId(order.clientOrderId) : '',
    algoId: fromStop ? algoIdOf(order) : '',
    uTime: String(order.updatedAt),
    cTime: String(fromStop ? order.time : order.placedAt),
    tradeQuoteCcy: market.quote,
  };
}

const algoStates = { open: 'live', filled: 'effective', cancelled: 'canceled' } as const;

/**
 * A stop as `GET /api/v5/trade/order-algo` reports it: state `live`, `effective` once triggered
 * (with `ordId` naming the market sell it placed, which carries the fill and its fee) or
 * `canceled`. An algo order reports no fill price, filled amount or fee of its own.
 */
function algoDetails(engine: MatchingEngine, market: SimMarket, order: SimOrder) {
  const note = notesOf(engine).get(order.orderId);
  const triggered = order.status === 'filled';
  const size = note?.sz ?? okxDecimal(order.amount);
  const clientId = reportedClientId(order.clientOrderId);
  return {
    instType: 'SPOT',
    instId: instrumentId(market),
    ccy: '',
    ordId: triggered ? orderIdOf(order) : '',
    ordIdList: triggered ? [orderIdOf(order)] : [],
    algoId: algoIdOf(order),
    clOrdId: note?.clOrdIdAlias === true ? clientId : '',
    sz: size,
    closeFraction: '',
    ordType: 'conditional',
    side: order.side,
    posSide: 'net',
    tdMode: 'cash',
    tgtCcy: '',
    state: algoStates[order.status],
    lever: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tpOrdPx: '',
    slTriggerPx: okxDecimal(order.stopPrice ?? 0),
    slTriggerPxType: 'last',
    slOrdPx: '-1',
    triggerPx: '',
    triggerPxType: '',
    ordPx: '',
    actualSz: triggered ? size : '',
    actualPx: '',
    actualSide: triggered ? 'sl' : '',
    triggerTime: triggered ? String(order.time) : '',
    pxVar: '',
    pxSpread: '',
    szLimit: '',
    pxLimit: '',
    tag: note?.tag ?? '',
    timeInterval: '',
    callbackRatio: '',
    callbackSpread: '',
    activePx: '',
    moveTriggerPx: '',
    reduceOnly: 'false',
    quickMgnType: '',
    last: '',
    failCode: '',
    algoClOrdId: clientId,
    amendPxOnTriggerType: '0',
    attachAlgoOrds: [],
    linkedOrd: { ordId: '' },
    cTime: String(order.placedAt),
    uTime: String(order.updatedAt),
    isTradeBorrowMode: '',
    chaseType: '',
    chaseVal: '',
    maxChaseType: '',
    maxChaseVal: '',
    tradeQuoteCcy: market.quote,
  };
}

/**
 * The regular order `fields` name by `ordId` (which wins) or `clOrdId`: a market order, or the
 * market sell of a triggered stop (by `ordId` only, as its own client id is empty).
 */
function findRegular(
  engine: MatchingEngine,
  market: SimMarket,
  fields: Fields,
): SimOrder | undefined {
  const ordId = field(fields, 'ordId');
  const clientOrderId = clientIdField(fields, 'clOrdId');
  if (ordId !== undefined) {
    const n = orderNumber(ordId);
    const order = n === undefined ? undefined : engine.findOrder(market.symbol, { orderId: n });
    return order?.type === 'market' || order?.status === 'filled' ? order : undefined;
  }
  if (clientOrderId === undefined) throw okxErrors.eitherParam('ordId', 'clOrdId');
  const order = engine.findOrder(market.symbol, { clientOrderId });
  return order?.type === 'market' ? order : undefined;
}

function queryOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const fields = queryFields(request);
  const market = requiredMarket(engine, fields);
  const order = findRegular(engine, market, fields);
  if (order === undefined) throw okxErrors.orderNotFound();
  return ok([orderDetails(engine, market, order)]);
}

/** The stop an `algoId` (which wins) or `algoClOrdId` names, in whichever market it rests. */
function findAlgo(engine: MatchingEngine, fields: Fields, market?: SimMarket) {
  const algoId = field(fields, 'algoId');
  let ref: OrderRef;
  if (algoId !== undefined) {
    const n = algoNumber(algoId);
    if (n === undefined) return undefined;
    ref = { orderId: n };
  } else {
    const clientOrderId = clientIdField(fields, 'algoClOrdId');
    if (clientOrderId === undefined) throw okxErrors.eitherParam('algoId', 'algoClOrdId');
    ref = { clientOrderId };
  }
  const markets = market === undefined ? [...marketsById(engine).values()] : [market];
  for (const m of markets) {
    const order = engine.findOrder(m.symbol, ref);
    if (order?.type === 'stop') return { market: m, order };
  }
  return undefined;
}

/**
 * `GET /api/v5/trade/order-algo`: by `algoId` or `algoClOrdId`. OKX takes no `instId` here
 * (ccxt sends one anyway), so the stop is found whatever its market.
 */
function queryAlgo(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const found = findAlgo(engine, queryFields(request));
  if (found === undefined) throw okxErrors.orderNotFound();
  return ok([algoDetails(engine, found.market, found.order)]);
}

/** `POST /api/v5/trade/cancel-algos`: up to 10 stops, by `algoId` or `algoClOrdId` each. */
function cancelAlgos(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const entries = arrayBody(request, 10);
  const results = entries.map((fields) => {
    const failure = {
      algoId: field(fields, 'algoId') ?? '',
      clOrdId: '',
      algoClOrdId: field(fields, 'algoClOrdId') ?? '',
      tag: '',
    };
    return perOrder(() => {
      const market = requiredMarket(engine, fields);
      const found = findAlgo(engine, fields, market);
      if (found === undefined) throw okxErrors.cancelFailed();
      try {
        engine.cancelOrder(market.symbol, { orderId: found.order.orderId });
      } catch (error) {
        // OKX answers a cancel of an unknown, triggered or cancelled algo order alike.
        if (error instanceof EngineRefusalError) throw okxErrors.cancelFailed();
        throw error;
      }
      return {
        ...failure,
        algoId: algoIdOf(found.order),
        algoClOrdId: reportedClientId(found.order.clientOrderId),
        sCode: '0',
        sMsg: '',
      };
    }, failure);
  });
  return ordersReply(engine, results);
}

/**
 * `POST /api/v5/trade/cancel-order`: every regular order the simulator holds is a market order
 * that filled at once, so a cancel always fails, as OKX's does for a filled order.
 */
function cancelOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const fields = objectBody(request);
  const failure = {
    clOrdId: field(fields, 'clOrdId') ?? '',
    ordId: field(fields, 'ordId') ?? '',
    ts: String(engine.now()),
  };
  const outcome = perOrder(() => {
    findRegular(engine, requiredMarket(engine, fields), fields);
    throw okxErrors.cancelFailed();
  }, failure);
  return ordersReply(engine, [outcome]);
}

/** One fill of `GET /api/v5/trade/fills`; `seq` numbers the account's fills, oldest first. */
function fillDetails(engine: MatchingEngine, market: SimMarket, order: SimOrder, seq: number) {
  const note = notesOf(engine).get(order.orderId);
  const fromStop = order.type === 'stop';
  return {
    instType: 'SPOT',
    instId: instrumentId(market),
    tradeId: String(seq),
    ordId: orderIdOf(order),
    clOrdId: fromStop ? '' : reportedClientId(order.clientOrderId),
    billId: String(seq),
    subType: order.side === 'buy' ? '1' : '2',
    tag: fromStop ? '' : (note?.tag ?? ''),
    fillPx: okxDecimal(order.price),
    fillSz: okxDecimal(order.amount),
    fillIdxPx: '',
    fillPnl: '0',
    fillPxVol: '',
    fillPxUsd: '',
    fillMarkVol: '',
    fillFwdPx: '',
    fillMarkPx: '',
    side: order.side,
    posSide: 'net',
    execType: 'T',
    feeCcy: market.quote,
    fee: okxDecimal(-order.fee),
    ts: String(order.time),
    fillTime: String(order.time),
    feeRate: okxDecimal(-engine.feeRate),
    tradeQuoteCcy: market.quote,
  };
}

/**
 * `GET /api/v5/trade/fills` and `fills-history` (which wants `instType`): the account's fills,
 * newest first, filtered by `instId`, `ordId`, `begin`/`end` (fill times, inclusive) and paged
 * by `after`/`before` (exclusive bill ids), at most `limit` (default and maximum 100). Each
 * simulated order fills in one trade; its bill id and trade id number the account's fills.
 */
function fills(engine: MatchingEngine, request: WireRequest, history: boolean): WireReply {
  requireAuth(request);
  const fields = queryFields(request);
  const instType = history ? requiredField(fields, 'instType') : field(fields, 'instType');
  if (instType !== undefined && !instrumentTypes.includes(instType)) {
    throw okxErrors.paramError('instType');
  }
  const market = field(fields, 'instId') === undefined ? undefined : requiredMarket(engine, fields);
  const ordId = field(fields, 'ordId');
  const begin = optionalInteger(fields, 'begin');
  const end = optionalInteger(fields, 'end');
  const after = optionalInteger(fields, 'after');
  const before = optionalInteger(fields, 'before');
  const limit = Math.min(100, optionalInteger(fields, 'limit') ?? 100);
  if (limit < 1) throw okxErrors.paramError('limit');
  if (instType !== undefined && instType !== 'SPOT') return ok([]);
  const rows = engine.orders
    .map((order, i) => ({ order, seq: i + 1 }))
    .filter(({ order, seq }) => {
      if (market !== undefined && order.symbol !== market.symbol) return false;
      if (ordId !== undefined && orderIdOf(order) !== ordId) return false;
      if (begin !== undefined && order.time < begin) return false;
      if (end !== undefined && order.time > end) return false;
      if (after !== undefined && seq >= after) return false;
      return before === undefined || seq > before;
    })
    .reverse()
    .slice(0, limit)
    .map(({ order, seq }) => fillDetails(engine, engine.market(order.symbol), order, seq));
  return ok(rows);
}

/**
 * `GET /api/v5/account/balance`, as a Spot-mode account reports it: per currency held, `eq` and
 * `cashBal` the total, `availBal` the free part and `frozenBal` what resting stops lock (OKX
 * leaves `availEq` empty in Spot mode). USD valuations are left empty: the simulator has no USD
 * prices.
 */
function balance(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const wanted = field(queryFields(request), 'ccy')?.split(',');
  const free = engine.balances();
  const locked = engine.lockedBalances();
  const now = String(engine.now());
  const details = [...new Set([...Object.keys(free), ...Object.keys(locked)])]
    .filter((ccy) => wanted === undefined || wanted.includes(ccy))
    .map((ccy) => ({ ccy, free: free[ccy] ?? 0, frozen: locked[ccy] ?? 0 }))
    .filter(({ free, frozen }) => free + frozen > 0)
    .map(({ ccy, free, frozen }) => {
      const total = okxDecimal(free + frozen);
      return {
        accAvgPx: '',
        availBal: okxDecimal(free),
        availEq: '',
        borrowFroz: '',
        cashBal: total,
        ccy,
        clSpotInUseAmt: '',
        crossLiab: '',
        disEq: '',
        eq: total,
        eqUsd: '',
        fixedBal: '0',
        frozenBal: okxDecimal(frozen),
        imr: '',
        interest: '',
        isoEq: '',
        isoLiab: '',
        isoUpl: '',
        liab: '',
        maxLoan: '',
        maxSpotInUse: '',
        mgnRatio: '',
        mmr: '',
        notionalLever: '',
        openAvgPx: '',
        ordFrozen: okxDecimal(frozen),
        rewardBal: '0',
        smtSyncEq: '0',
        spotBal: '',
        spotCopyTradingEq: '0',
        spotInUseAmt: '',
        spotIsoBal: '0',
        spotUpl: '',
        spotUplRatio: '',
        stgyEq: '0',
        totalPnl: '',
        totalPnlRatio: '',
        twap: '0',
        uTime: now,
        upl: '',
        uplLiab: '',
      };
    });
  return ok([
    {
      adjEq: '',
      availEq: '',
      borrowFroz: '',
      details,
      imr: '',
      isoEq: '',
      mgnRatio: '',
      mmr: '',
      notionalUsd: '',
      notionalUsdForBorrow: '',
      notionalUsdForFutures: '',
      notionalUsdForOption: '',
      notionalUsdForSwap: '',
      ordFroz: '',
      totalEq: '',
      uTime: now,
      upl: '',
    },
  ]);
}

/**
 * OKX's `perm` of the key: `read_only`, `trade`, and `withdraw` when the key can move funds out
 * of the account (withdrawals, or transfers to other accounts, which OKX grants with it).
 */
function permissions(engine: MatchingEngine): string {
  const r = engine.restrictions;
  return [
    ...(r.enableReading ? ['read_only'] : []),
    ...(r.enableSpotAndMarginTrading ? ['trade'] : []),
    ...(r.enableWithdrawals || r.enableInternalTransfer ? ['withdraw'] : []),
  ].join(',');
}

/**
 * `GET /api/v5/account/config`: a main account in Spot mode (`acctLv` 1) whose fees are charged
 * in the quote currency (`feeType` 1), with the key's `perm` and `ip` whitelist (comma
 * separated, empty when the key is not bound to addresses).
 */
function accountConfig(engine: MatchingEngine, request: WireRequest): WireReply {
  requireAuth(request);
  const { ipRestrict, ipList } = engine.restrictions;
  return ok([
    {
      acctLv: '1',
      acctStpMode: 'cancel_maker',
      autoLoan: false,
      ctIsoMode: 'automatic',
      enableSpotBorrow: false,
      feeType: '1',
      greeksType: 'PA',
      ip: ipRestrict ? ipList.join(',') : '',
      kycLv: '2',
      label: 'tickfan-simulator',
      level: 'Lv1',
      levelTmp: '',
      liquidationGear: '-1',
      mainUid: '1',
      mgnIsoMode: 'automatic',
      opAuth: '0',
      perm: permissions(engine),
      posMode: 'net_mode',
      roleType: '0',
      settleCcy: 'USD',
      settleCcyList: ['USD'],
      spotBorrowAutoRepay: false,
      spotRoleType: '0',
      spotTraderInsts: [],
      traderInsts: [],
      type: '0',
      uid: '1',
    },
  ]);
}

const routes: readonly WireRoute[] = [
  {
    method: 'GET',
    path: '/api/v5/public/time',
    handle: (engine) => ok([{ ts: String(engine.now()) }]),
  },
  { method: 'GET', path: '/api/v5/public/instruments', handle: instruments },
  {
    method: 'GET',
    path: '/api/v5/market/candles',
    handle: (engine, request) => candles(engine, request, true),
  },
  {
    method: 'GET',
    path: '/api/v5/market/history-candles',
    handle: (engine, request) => candles(engine, request, false),
  },
  { method: 'GET', path: '/api/v5/market/tickers', handle: tickers },
  { method: 'POST', path: '/api/v5/trade/order', handle: placeOrder },
  { method: 'POST', path: '/api/v5/trade/batch-orders', handle: placeBatch },
  { method: 'POST', path: '/api/v5/trade/order-algo', handle: placeAlgo },
  { method: 'GET', path: '/api/v5/trade/order', handle: queryOrder },
  { method: 'GET', path: '/api/v5/trade/order-algo', handle: queryAlgo },
  { method: 'POST', path: '/api/v5/trade/cancel-order', handle: cancelOrder },
  { method: 'POST', path: '/api/v5/trade/cancel-algos', handle: cancelAlgos },
  {
    method: 'GET',
    path: '/api/v5/trade/fills',
    handle: (engine, request) => fills(engine, request, false),
  },
  {
    method: 'GET',
    path: '/api/v5/trade/fills-history',
    handle: (engine, request) => fills(engine, request, true),
  },
  { method: 'GET', path: '/api/v5/account/balance', handle: balance },
  { method: 'GET', path: '/api/v5/account/config', handle: accountConfig },
];

const orderPlacements = new Set([
  '/api/v5/trade/order',
  '/api/v5/trade/batch-orders',
  '/api/v5/trade/order-algo',
]);

/** The `instId` a request names: in its query, or in its JSON body (the first order of a batch). */
function namedInstrument(request: WireRequest): string | undefined {
  const fromQuery = request.query.get('instId');
  if (fromQuery) return fromQuery;
  if (request.body === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return undefined;
  }
  const entries = Array.isArray(body) ? body : [body];
  for (const entry of entries) {
    if (isFields(entry) && typeof entry.instId === 'string') return entry.instId;
  }
  return undefined;
}

/**
 * OKX's per-endpoint limits, in requests per 2 seconds (batch-orders: orders), from its v5 API
 * docs: counted per IP for public endpoints (instruments per IP and instrument type), per user
 * for private ones (the trade endpoints naming an order per user and instrument). Over one, OKX
 * answers HTTP 429 with code 50011; it has no IP ban.
 */
const okxEndpointLimits: Readonly<
  Record<string, { readonly limit: number; readonly by: 'ip' | 'user'; readonly per?: string }>
> = {
  'GET /api/v5/public/time': { limit: 10, by: 'ip' },
  'GET /api/v5/public/instruments': { limit: 20, by: 'ip', per: 'instType' },
  'GET /api/v5/market/candles': { limit: 40, by: 'ip' },
  'GET /api/v5/market/history-candles': { limit: 20, by: 'ip' },
  'GET /api/v5/market/tickers': { limit: 20, by: 'ip' },
  'POST /api/v5/trade/order': { limit: 60, by: 'user', per: 'instId' },
  'POST /api/v5/trade/batch-orders': { limit: 300, by: 'user', per: 'instId' },
  'POST /api/v5/trade/order-algo': { limit: 20, by: 'user' },
  'GET /api/v5/trade/order': { limit: 60, by: 'user', per: 'instId' },
  'GET /api/v5/trade/order-algo': { limit: 20, by: 'user' },
  'POST /api/v5/trade/cancel-order': { limit: 60, by: 'user', per: 'instId' },
  'POST /api/v5/trade/cancel-algos': { limit: 20, by: 'user' },
  'GET /api/v5/trade/fills': { limit: 60, by: 'user' },
  'GET /api/v5/trade/fills-history': { limit: 10, by: 'user' },
  'GET /api/v5/account/balance': { limit: 10, by: 'user' },
  'GET /api/v5/account/config': { limit: 5, by: 'user' },
  'GET /api/v5/asset/currencies': { limit: 12, by: 'user' },
};

const okxRules: readonly RateRule[] = Object.entries(okxEndpointLimits).map(([id, { limit }]) => ({
  id,
  window: { kind: 'fixed', ms: 2000, limit },
}));

/** How many orders a batch request carries (1 for any body that is not an array of them). */
function batchSize(request: WireRequest): number {
  try {
    const body = JSON.parse(request.body) as unknown;
    return Array.isArray(body) ? Math.max(1, body.length) : 1;
  } catch {
    return 1;
  }
}

const okxRateLimits: WireRateLimits = {
  rules: okxRules,
  cost(_engine, request, ip) {
    const id = `${request.method} ${request.path}`;
    const endpoint = okxEndpointLimits[id];
    const amount = request.path === '/api/v5/trade/batch-orders' ? batchSize(request) : 1;
    // A path OKX does not serve has no limit of its own.
    if (endpoint === undefined) return { weight: 1, charges: [] };
    const key = request.headers['ok-access-key'];
    const who = endpoint.by === 'ip' ? `ip:${ip}` : `user:${typeof key === 'string' ? key : ''}`;
    const per =
      endpoint.per === undefined
        ? ''
        : `|${(endpoint.per === 'instId' ? namedInstrument(request) : request.query.get(endpoint.per)) ?? ''}`;
    return { weight: amount, charges: [{ rule: id, bucket: `${who}${per}`, amount }] };
  },
  isMarketsRequest: (request) =>
    request.method === 'GET' && request.path === '/api/v5/public/instruments',
};

/**
 * The subset of OKX's v5 REST API that ccxt's `okx` class uses for spot trading in cash mode:
 * `public/time`, `public/instruments`, `market/candles` and `market/history-candles`,
 * `market/tickers`,
 * `trade/order` and `trade/batch-orders` (market orders), `trade/order-algo` (conditional
 * stop-losses sold at market: place and look up), `trade/cancel-algos`, `trade/cancel-order`,
 * `trade/order` (look-up), `trade/fills` and `trade/fills-history`, `account/balance` and
 * `account/config` (the key's permissions and IP whitelist). Private endpoints want OKX's four
 * `OK-ACCESS-*` headers, none of them verified. Point ccxt's okx at it with
 * `urls.api.rest = url`.
 */
export const okxWire: ExchangeWire = {
  exchange: 'okx',
  // OKX refuses a clOrdId (algoClOrdId) only while an order under it is pending.
  clientIdsUnique: 'while-open',
  routes,
  symbolOf(engine, request) {
    const id = namedInstrument(request);
    return id === undefined ? undefined : marketsById(engine).get(id)?.symbol;
  },
  placesOrder: (request) => request.method === 'POST' && orderPlacements.has(request.path),
  notFound: (request) => errorReply(okxErrors.notFound(request.method, request.path)),
  rateLimited: (refusal) => ({
    ...errorReply(okxErrors.rateLimited()),
    headers: { 'retry-after': String(refusal.retryAfterSeconds) },
  }),
  rateLimits: okxRateLimits,
  replyToError(error) {
    if (error instanceof OkxApiError) return errorReply(error);
    if (error instanceof EngineRefusalError) return errorReply(refusals[error.reason]({}));
    // A handler bug must not take the simulator down; the client sees a 500.
    return errorReply(okxErrors.internal(String(error)));
  },
};
