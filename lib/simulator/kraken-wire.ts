import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { roundToWire } from '../market-data/market-rules.js';
import {
  EngineRefusalError,
  type MatchingEngine,
  Refusal,
  type SimOrder,
} from './matching-engine.js';
import type { RateCharge, RateRule } from './rate-limits.js';
import type { SimMarket } from './sim-markets.js';
import type { ExchangeWire, WireRateLimits, WireReply, WireRequest, WireRoute } from './wire.js';

/**
 * A Kraken error reply: Kraken names every failure with one string in the `error` array
 * (`<severity><category>:<message>[:<detail>]`) and, as its docs say, mostly leaves the HTTP
 * status at 200. ccxt's kraken class matches the string against its `exceptions` map: exactly
 * first (`EOrder:Insufficient funds` → InsufficientFunds, `EAPI:Rate limit exceeded` →
 * DDoSProtection, `EOrder:Unknown order` → InvalidOrder, `EGeneral:Invalid arguments` →
 * BadRequest), then by substring (`:Invalid arguments:volume` → InvalidOrder), and raises a plain
 * ExchangeError carrying the whole body for any other.
 */
export class KrakenApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KrakenApiError';
  }

  body(): { error: string[] } {
    return { error: [this.message] };
  }
}

/**
 * The errors the simulator replies with, by meaning, spelled as Kraken spells them: its spot
 * error guide (docs.kraken.com/api/docs/guides/spot-errors) for the order and service errors,
 * and what Kraken was seen to answer where the guide is silent (`cl_ord_id not unique`, an
 * `Unknown order` for a cancel of an order no longer open, `Invalid order` for an id it never
 * issued).
 */
export const krakenErrors = {
  invalidArguments: (detail?: string) =>
    new KrakenApiError(
      200,
      detail === undefined ? 'EGeneral:Invalid arguments' : `EGeneral:Invalid arguments:${detail}`,
    ),
  unknownAssetPair: () => new KrakenApiError(200, 'EQuery:Unknown asset pair'),
  unknownAsset: () => new KrakenApiError(200, 'EQuery:Unknown asset'),
  invalidKey: () => new KrakenApiError(200, 'EAPI:Invalid key'),
  invalidSignature: () => new KrakenApiError(200, 'EAPI:Invalid signature'),
  invalidNonce: () => new KrakenApiError(200, 'EAPI:Invalid nonce'),
  insufficientFunds: () => new KrakenApiError(200, 'EOrder:Insufficient funds'),
  orderMinimum: () => new KrakenApiError(200, 'EOrder:Order minimum not met'),
  costMinimum: () => new KrakenApiError(200, 'EOrder:Cost minimum not met'),
  tickSize: () => new KrakenApiError(200, 'EOrder:Tick size check failed'),
  priceDecimals: (wsname: string, decimals: number) =>
    new KrakenApiError(
      200,
      `EOrder:Invalid price:${wsname} price can only be specified up to ${decimals} decimals.`,
    ),
  /** Cancelling an order that filled or was cancelled, or one no client id names. */
  unknownOrder: () => new KrakenApiError(200, 'EOrder:Unknown order'),
  /** A txid Kraken never issued. */
  invalidOrder: () => new KrakenApiError(200, 'EOrder:Invalid order'),
  /** A `cl_ord_id` an open order already carries. */
  clientOrderIdNotUnique: () =>
    new KrakenApiError(200, 'EGeneral:Invalid arguments:cl_ord_id not unique'),
  /** A market that takes cancels only: here, one whose data has not started yet. */
  cancelOnly: () => new KrakenApiError(200, 'EService:Market in cancel_only mode'),
  indexUnavailable: () => new KrakenApiError(200, 'EGeneral:Invalid arguments:Index unavailable'),
  // Kraken answers an unknown method with `EGeneral:Unknown method`. The path after it makes
  // ccxt's plain ExchangeError name the endpoint the simulator lacks: calling one is a bug to
  // fix, not an outage to wait out.
  unknownMethod: (method: string, path: string) =>
    new KrakenApiError(
      404,
      `EGeneral:Unknown method:${method} ${path} is not served by the exchange simulator`,
    ),
  rateLimited: () => new KrakenApiError(429, 'EAPI:Rate limit exceeded'),
  /** Over the matching engine's per-pair limit on placing and cancelling orders. */
  tradingRateLimited: () => new KrakenApiError(429, 'EOrder:Rate limit exceeded'),
  // Kraken's internal error takes a code after it; with one, ccxt raises a plain ExchangeError
  // rather than the retryable ExchangeNotAvailable of the bare message: a simulator bug is not
  // worth retrying.
  internal: (detail: string) => new KrakenApiError(500, `EGeneral:Internal error:${detail}`),
} as const;

/**
 * What each engine refusal is on Kraken, and what ccxt's kraken raises for it:
 * unknown symbol → `EQuery:Unknown asset pair` (ExchangeError), unknown timeframe →
 * `EGeneral:Invalid arguments` (BadRequest), no price yet → `EService:Market in cancel_only mode`
 * (OnMaintenance), lot size → `EOrder:Order minimum not met` (InvalidOrder), minimum cost →
 * `EOrder:Cost minimum not met` (ExchangeError), short balance → `EOrder:Insufficient funds`
 * (InsufficientFunds), client id taken → `EGeneral:Invalid arguments:cl_ord_id not unique`
 * (ExchangeError), unknown or no longer open order → `EOrder:Unknown order` (InvalidOrder;
 * OrderNotFound from `cancelOrder`), price off the tick → `EOrder:Tick size check failed`
 * (ExchangeError), a sell stop at or above the last price → `EGeneral:Invalid arguments:price`
 * (InvalidOrder).
 */
const refusals: Readonly<Record<Refusal, () => KrakenApiError>> = {
  [Refusal.UnknownSymbol]: krakenErrors.unknownAssetPair,
  [Refusal.UnknownTimeframe]: () => krakenErrors.invalidArguments(),
  [Refusal.NoPrice]: krakenErrors.cancelOnly,
  [Refusal.LotSize]: krakenErrors.orderMinimum,
  [Refusal.MinNotional]: krakenErrors.costMinimum,
  [Refusal.InsufficientBalance]: krakenErrors.insufficientFunds,
  [Refusal.DuplicateClientOrderId]: krakenErrors.clientOrderIdNotUnique,
  [Refusal.UnknownOrder]: krakenErrors.unknownOrder,
  [Refusal.OrderNotOpen]: krakenErrors.unknownOrder,
  [Refusal.PriceFilter]: krakenErrors.tickSize,
  // Kraken takes a sell stop above the last price and triggers it at once; the engine refuses
  // it. Kraken's refusal of a bad trigger price stands in, which ccxt raises as InvalidOrder.
  [Refusal.WouldTriggerImmediately]: () => krakenErrors.invalidArguments('price'),
};

/**
 * Kraken's asset ids of the currencies listed before its 2018 naming change, which kept an `X`
 * (crypto) or `Z` (fiat) prefix; every later one is its plain code (`USDT`, `ADA`, `DASH`).
 */
const legacyAssetIds: Readonly<Record<string, string>> = {
  BTC: 'XXBT',
  DOGE: 'XXDG',
  ETC: 'XETC',
  ETH: 'XETH',
  LTC: 'XLTC',
  MLN: 'XMLN',
  REP: 'XREP',
  XLM: 'XXLM',
  XMR: 'XXMR',
  XRP: 'XXRP',
  ZEC: 'XZEC',
  AUD: 'ZAUD',
  CAD: 'ZCAD',
  EUR: 'ZEUR',
  GBP: 'ZGBP',
  JPY: 'ZJPY',
  USD: 'ZUSD',
};

/** Kraken's own names (altnames) of currencies ccxt calls by their common code. */
const krakenCodes: Readonly<Record<string, string>> = { BTC: 'XBT', DOGE: 'XDG' };

/** Kraken's asset id of a unified currency code, e.g. `XXBT` for BTC, `USDT` for USDT. */
export function krakenAssetId(code: string): string {
  return legacyAssetIds[code] ?? code;
}

function altnameOf(code: string): string {
  return krakenCodes[code] ?? code;
}

/** How many decimals Kraken writes an asset with: 10 for crypto kept from 2018, 4 for fiat. */
function assetDecimals(code: string): number {
  const id = krakenAssetId(code);
  if (id.startsWith('Z') && id !== code) return 4;
  return id.startsWith('X') && id !== code ? 10 : 8;
}

/** The fewest decimals that write `step` exactly (1e-6 → 6, 0.5 → 1, 1 → 0). */
function decimalsOf(step: number): number {
  for (let decimals = 0; decimals < 12; decimals++) {
    if (Number(step.toFixed(decimals)) === step) return decimals;
  }
  return 12;
}

/** One engine market as Kraken names and states it. */
interface KrakenPair {
  readonly market: SimMarket;
  /** Kraken's pair id, e.g. `XLTCXXBT`; a pair listed since 2018 has its altname as id. */
  readonly id: string;
  /** E.g. `LTCXBT`. */
  readonly altname: string;
  /** E.g. `LTC/XBT`. */
  readonly wsname: string;
  readonly baseId: string;
  readonly quoteId: string;
  /** Decimals of a price (the tick), which ccxt reads as the price precision. */
  readonly pairDecimals: number;
  /** Decimals of a volume (the lot step), which ccxt reads as the amount precision. */
  readonly lotDecimals: number;
}

/** Decimals of a cost or a fee: the engine keeps eight. */
const costDecimals = 8;

function krakenPair(market: SimMarket): KrakenPair {
  const baseId = krakenAssetId(market.base);
  const quoteId = krakenAssetId(market.quote);
  const base = altnameOf(market.base);
  const quote = altnameOf(market.quote);
  const altname = `${base}${quote}`;
  // Pairs of two prefixed assets quoted in XBT or fiat are the early listings, whose ids join
  // the two asset ids (XLTCXXBT, XXBTZUSD); later ones (ADAXBT, XRPETH) go by their altname.
  const early =
    baseId !== market.base &&
    quoteId !== market.quote &&
    (quoteId === 'XXBT' || quoteId.startsWith('Z'));
  return {
    market,
    id: early ? `${baseId}${quoteId}` : altname,
    altname,
    wsname: `${base}/${quote}`,
    baseId,
    quoteId,
    pairDecimals: decimalsOf(market.rules.tickSize),
    lotDecimals: decimalsOf(market.rules.stepSize),
  };
}

interface KrakenPairs {
  readonly all: readonly KrakenPair[];
  /** By pair id and by altname, both of which Kraken takes in `pair`. */
  readonly byName: ReadonlyMap<string, KrakenPair>;
  readonly bySymbol: ReadonlyMap<string, KrakenPair>;
}

const pairMaps = new WeakMap<MatchingEngine, KrakenPairs>();

/** The engine's markets as Kraken pairs; the engine's markets never change, so built once. */
function pairsOf(engine: MatchingEngine): KrakenPairs {
  let pairs = pairMaps.get(engine);
  if (pairs === undefined) {
    const all = engine.markets().map(krakenPair);
    pairs = {
      all,
      byName: new Map(
        all.flatMap((p): [string, KrakenPair][] => [
          [p.id, p],
          [p.altname, p],
        ]),
      ),
      bySymbol: new Map(all.map((p) => [p.market.symbol, p])),
    };
    pairMaps.set(engine, pairs);
  }
  return pairs;
}

function pairOfOrder(engine: MatchingEngine, order: SimOrder): KrakenPair {
  const pair = pairsOf(engine).bySymbol.get(order.symbol);
  if (pair === undefined) throw new Error(`order ${order.orderId} names no market served`);
  return pair;
}

/**
 * `value` with `decimals` decimals, as Kraken writes prices and volumes; a value that needs more
 * (candle data off the tick) keeps eight, so no digit the engine fills at is lost.
 */
function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === value ? text : value.toFixed(Math.max(decimals, 8));
}

const txidPattern = /^([OT])([0-9A-Z]{5})-([0-9A-Z]{5})-([0-9A-Z]{6})$/;

/**
 * An engine id in Kraken's id layout (`OXXXXX-XXXXX-XXXXXX`): `O` for an order, `T` for a trade,
 * then the id in base 36, so the wire can read it back without a table.
 */
function krakenIdOf(prefix: 'O' | 'T', id: number): string {
  const digits = id.toString(36).toUpperCase().padStart(16, '0');
  return `${prefix}${digits.slice(0, 5)}-${digits.slice(5, 10)}-${digits.slice(10)}`;
}

/** The engine id a txid of `prefix` stands for; undefined for any other text. */
function engineIdOf(prefix: 'O' | 'T', txid: string): number | undefined {
  const match = txidPattern.exec(txid);
  if (match === null || match[1] !== prefix) return undefined;
  const id = Number.parseInt(`${match[2]}${match[3]}${match[4]}`, 36);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** The order's txid, e.g. `O00000-00000-00000A` for engine order 10. */
export function krakenTxid(orderId: number): string {
  return krakenIdOf('O', orderId);
}

/**
 * The client's `cl_ord_id`, or null for an order placed without one (the engine names those
 * `sim-<orderId>`; Kraken reports none).
 */
function clientIdOf(order: SimOrder): string | null {
  return order.clientOrderId === `sim-${order.orderId}` ? null : order.clientOrderId;
}

/**
 * Kraken's three `cl_ord_id` formats (AddOrder docs): a long UUID (32 hex digits in 8-4-4-4-12
 * groups), a short UUID (32 hex digits), or free ASCII text of at most 18 characters.
 */
const clientOrderIdFormats = [
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  /^[0-9a-fA-F]{32}$/,
  /^[\x20-\x7e]{1,18}$/,
];

/** Whether Kraken takes `id` as a `cl_ord_id`. */
export function isKrakenClientOrderId(id: string): boolean {
  return clientOrderIdFormats.some((format) => format.test(id));
}

type Params = URLSearchParams;

/**
 * The form body (or a JSON one, which Kraken also takes and ccxt sends for relative prices) and
 * the query string together; the query string wins a clash.
 */
function paramsOf(request: WireRequest): Params {
  const contentType = header(request, 'content-type') ?? '';
  let params: Params;
  if (contentType.includes('json') && request.body !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      throw krakenErrors.invalidArguments();
    }
    params = new URLSearchParams();
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [name, value] of Object.entries(parsed)) {
        if (typeof value !== 'object') params.set(name, String(value));
      }
    }
  } else {
    params = new URLSearchParams(request.body);
  }
  for (const [name, value] of request.query) params.set(name, value);
  return params;
}

function header(request: WireRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

function ok(result: unknown): WireReply {
  return { status: 200, body: { error: [], result } };
}

function errorReply(error: KrakenApiError): WireReply {
  return { status: error.status, body: error.body() };
}

/**
 * The parameters of a private call: Kraken wants the `API-Key` and `API-Sign` headers and a
 * `nonce`. The signature is not verified, and the nonce not checked for growth.
 */
function privateParams(request: WireRequest): Params {
  if (!header(request, 'api-key')) throw krakenErrors.invalidKey();
  if (!header(request, 'api-sign')) throw krakenErrors.invalidSignature();
  const params = paramsOf(request);
  if (!/^[0-9]{1,20}$/.test(params.get('nonce') ?? '')) throw krakenErrors.invalidNonce();
  return params;
}

function requiredPair(engine: MatchingEngine, params: Params): KrakenPair {
  const name = params.get('pair');
  if (!name) throw krakenErrors.invalidArguments('pair');
  const pair = pairsOf(engine).byName.get(name);
  if (pair === undefined) throw krakenErrors.unknownAssetPair();
  return pair;
}

function isTrue(params: Params, name: string): boolean {
  const value = params.get(name);
  return value === 'true' || value === '1';
}

/** An optional unix timestamp in seconds (Kraken's `since`, `start`, `end`). */
function optionalSeconds(params: Params, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[0-9]{1,12}(\.[0-9]{1,9})?$/.test(value)) throw krakenErrors.invalidArguments(name);
  return Number(value);
}

/** An optional result offset (Kraken's `ofs`). */
function offsetParam(params: Params): number {
  const value = params.get('ofs');
  if (value === null || value === '') return 0;
  if (!/^[0-9]{1,9}$/.test(value)) throw krakenErrors.invalidArguments('ofs');
  return Number(value);
}

/**
 * The `userref` filter of a look-up: Kraken's userref is a 32-bit integer, so a string sent
 * there (ccxt's `fetchOrder` with a `clientOrderId`) is refused. The engine keeps no userref, so
 * a valid one matches nothing.
 */
function userrefFilter(params: Params): boolean {
  const value = params.get('userref');
  if (value === null || value === '') return false;
  const userref = Number(value);
  if (!/^-?[0-9]{1,10}$/.test(value) || userref !== (userref | 0)) {
    throw krakenErrors.invalidArguments('userref');
  }
  return true;
}

/** Decimals a decimal string is written with, trailing zeros aside. */
function writtenDecimals(value: string): number {
  const fraction = value.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

const decimalPattern = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;

const statusNames = { filled: 'closed', open: 'open', cancelled: 'canceled' } as const;

/** Kraken's one-line description of an order, e.g. `buy 0.50000000 LTCXBT @ market`. */
function describeOrder(pair: KrakenPair, side: string, volume: string, trigger?: string): string {
  const how = trigger === undefined ? 'market' : `stop loss ${trigger}`;
  return `${side} ${volume} ${pair.altname} @ ${how}`;
}

/**
 * An order as `OpenOrders`, `ClosedOrders` and `QueryOrders` report it. `price` is the average
 * fill price, `cost` and `fee` are in the quote currency (`oflags` says `fciq`, the only fee
 * currency the engine charges in), and a stop-loss keeps its trigger in `descr.price` and
 * `stopprice` after it filled (ccxt reads it as `stopLossPrice`).
 */
function orderInfo(pair: KrakenPair, order: SimOrder, withTrades: boolean) {
  const filled = order.status === 'filled';
  const stop = order.type === 'stop';
  const volume = fixed(order.amount, pair.lotDecimals);
  const trigger = stop ? fixed(order.stopPrice ?? 0, pair.pairDecimals) : undefined;
  return {
    refid: null,
    userref: null,
    cl_ord_id: clientIdOf(order),
    status: statusNames[order.status],
    ...(order.status === 'open'
      ? {}
      : {
          reason: order.status === 'cancelled' ? 'User requested' : null,
          closetm: order.updatedAt / 1000,
        }),
    opentm: order.placedAt / 1000,
    starttm: 0,
    expiretm: 0,
    descr: {
      pair: pair.altname,
      type: order.side,
      ordertype: stop ? 'stop-loss' : 'market',
      price: trigger ?? '0',
      price2: '0',
      leverage: 'none',
      order: describeOrder(pair, order.side, volume, trigger),
      close: '',
    },
    vol: volume,
    vol_exec: filled ? volume : fixed(0, pair.lotDecimals),
    cost: fixed(filled ? roundToWire(order.amount * order.price) : 0, costDecimals),
    fee: fixed(order.fee, costDecimals),
    price: fixed(filled ? order.price : 0, pair.pairDecimals),
    stopprice: trigger ?? fixed(0, pair.pairDecimals),
    limitprice: fixed(0, pair.pairDecimals),
    ...(stop ? { trigger: 'last' } : {}),
    misc: stop && filled ? 'stopped' : '',
    oflags: 'fciq',
    ...(withTrades ? { trades: filled ? [krakenIdOf('T', order.orderId)] : [] } : {}),
  };
}

/** The order a txid names: an id the wire never issued is `EOrder:Invalid order`. */
function orderByTxid(engine: MatchingEngine, txid: string): SimOrder {
  const orderId = engineIdOf('O', txid);
  const order =
    orderId === undefined ? undefined : engine.allOrders().find((o) => o.orderId === orderId);
  if (order === undefined) throw krakenErrors.invalidOrder();
  return order;
}

/** `GET /0/public/Time`: the simulated clock, as Kraken states it. */
function time(engine: MatchingEngine): WireReply {
  const now = engine.now();
  const date = new Date(now);
  // Kraken's rfc1123 is e.g. `Sat, 20 Jan 18 12:07:30 +0000` (a two-digit year).
  const [day, dayOfMonth, month, year, clock] = date.toUTCString().split(' ');
  return ok({
    unixtime: Math.floor(now / 1000),
    rfc1123: `${day} ${dayOfMonth} ${month} ${year?.slice(-2)} ${clock} +0000`,
  });
}

/** The unified codes of every currency the simulator knows: its markets' and its balances'. */
function currencies(engine: MatchingEngine): string[] {
  const codes = new Set<string>();
  for (const market of engine.markets()) {
    codes.add(market.base);
    codes.add(market.quote);
  }
  for (const code of Object.keys(engine.balances())) codes.add(code);
  return [...codes].sort();
}

/**
 * `GET /0/public/Assets`: every currency by Kraken asset id (`XXBT` with altname `XBT`, which
 * ccxt maps to BTC). An asset's decimals are never fewer than the lot decimals of a pair it is
 * the base of, as ccxt would otherwise coarsen the pair's amount precision to the asset's.
 */
function assets(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const lotDecimals = new Map<string, number>();
  for (const pair of pairsOf(engine).all) {
    const base = pair.market.base;
    lotDecimals.set(base, Math.max(lotDecimals.get(base) ?? 0, pair.lotDecimals));
  }
  const known = currencies(engine).map((code) => ({ code, id: krakenAssetId(code) }));
  let listed = known;
  const wanted = params.get('asset');
  if (wanted) {
    listed = wanted.split(',').map((name) => {
      const found = known.find((a) => a.id === name || altnameOf(a.code) === name);
      if (found === undefined) throw krakenErrors.unknownAsset();
      return found;
    });
  }
  const result: Record<string, unknown> = {};
  for (const { code, id } of listed) {
    const decimals = Math.max(assetDecimals(code), lotDecimals.get(code) ?? 0);
    result[id] = {
      aclass: 'currency',
      altname: altnameOf(code),
      decimals,
      display_decimals: Math.min(decimals, 5),
      status: 'enabled',
    };
  }
  return ok(result);
}

/**
 * `GET /0/public/AssetPairs`: every market with its rules in Kraken's fields: `tick_size` and
 * `pair_decimals` (the price tick), `lot_decimals` (the amount step), `ordermin` (minimum
 * amount), `costmin` (minimum cost in the quote) and one fee tier at the engine's rate.
 */
function assetPairs(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const pairs = pairsOf(engine);
  let listed = pairs.all;
  const wanted = params.get('pair');
  if (wanted) {
    listed = wanted.split(',').map((name) => {
      const pair = pairs.byName.get(name);
      if (pair === undefined) throw krakenErrors.unknownAssetPair();
      return pair;
    });
  }
  const feePercent = Number((engine.feeRate * 100).toPrecision(12));
  const result: Record<string, unknown> = {};
  for (const pair of listed) {
    const { rules } = pair.market;
    result[pair.id] = {
      altname: pair.altname,
      wsname: pair.wsname,
      aclass_base: 'currency',
      base: pair.baseId,
      aclass_quote: 'currency',
      quote: pair.quoteId,
      lot: 'unit',
      cost_decimals: costDecimals,
      pair_decimals: pair.pairDecimals,
      lot_decimals: pair.lotDecimals,
      lot_multiplier: 1,
      leverage_buy: [],
      leverage_sell: [],
      fees: [[0, feePercent]],
      fees_maker: [[0, feePercent]],
      fee_volume_currency: 'ZUSD',
      margin_call: 80,
      margin_stop: 40,
      ordermin: fixed(rules.minQty, pair.lotDecimals),
      costmin: fixed(rules.minNotional, costDecimals),
      tick_size: fixed(rules.tickSize, pair.pairDecimals),
      status: 'online',
    };
  }
  return ok(result);
}

/** Kraken's OHLC intervals in minutes, as the engine's timeframes (weeks it has none of). */
const intervals: Readonly<Record<string, Timeframe | undefined>> = {
  '1': '1m',
  '5': '5m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '240': '4h',
  '1440': '1d',
  '10080': undefined,
  '21600': undefined,
};

/** Kraken serves this many of the newest candles and no older one, whatever `since` says. */
const ohlcWindow = 720;

/**
 * One candle as a Kraken OHLC row `[time(s), open, high, low, close, vwap, volume, count]`. The
 * files hold no VWAP or trade count: the VWAP is estimated as the typical price, the count is 0.
 */
function ohlcRow(pair: KrakenPair, candle: Candle) {
  const price = (value: number) => fixed(value, pair.pairDecimals);
  const vwap = roundToWire((candle.high + candle.low + candle.close) / 3);
  return [
    Math.floor(candle.time / 1000),
    price(candle.open),
    price(candle.high),
    price(candle.low),
    price(candle.close),
    fixed(vwap, pair.pairDecimals),
    fixed(candle.volume, 8),
    0,
  ];
}

/**
 * `GET /0/public/OHLC?pair=&interval=&since=`: of the newest 720 candles at now (the newest one
 * still forming), those opened after `since` (seconds, exclusive), and always the forming one, as
 * Kraken documents. `last` is the open time of the newest closed candle: the `since` that asks
 * for what is new.
 */
function ohlc(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const pair = requiredPair(engine, params);
  const interval = params.get('interval') || '1';
  if (!Object.hasOwn(intervals, interval)) throw krakenErrors.invalidArguments();
  const timeframe = intervals[interval];
  if (timeframe === undefined) {
    throw new EngineRefusalError(Refusal.UnknownTimeframe, `no ${interval}-minute candles`);
  }
  const since = optionalSeconds(params, 'since');
  const window = engine.servedCandles(pair.market.symbol, timeframe, { limit: ohlcWindow });
  const newest = window.at(-1);
  const rows = window.filter((c) => since === undefined || c.time > since * 1000 || c === newest);
  const tf = timeframeMs(timeframe);
  const now = engine.now();
  const closed = window.filter((c) => c.time + tf <= now).at(-1);
  return ok({
    [pair.id]: rows.map((c) => ohlcRow(pair, c)),
    last: closed === undefined ? (since ?? 0) : Math.floor(closed.time / 1000),
  });
}

const dayMs = 24 * 60 * 60_000;

/**
 * A 24-hour VWAP written with twelve significant digits: ccxt's kraken derives the quote volume
 * as the 24-hour volume times this, so it must carry more than a price's decimals.
 */
function vwapText(quoteVolume: number, baseVolume: number, last: number): string {
  const vwap = baseVolume > 0 ? quoteVolume / baseVolume : last;
  if (!(vwap > 0)) return '0';
  const decimals = Math.min(20, Math.max(8, 11 - Math.floor(Math.log10(vwap))));
  return vwap
    .toFixed(decimals)
    .replace(/(\.[0-9]*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/**
 * `GET /0/public/Ticker?pair=`: the tickers of the pairs named (ids or altnames, comma
 * separated) or, without `pair`, of every pair (what ccxt's kraken `fetchTickers` asks without
 * symbols), keyed by pair id. Each array holds today's figure (since 00:00 UTC) and the last 24
 * hours', ccxt reading the latter: `v` volume, `p` VWAP (ccxt's quote volume is `v[1] * p[1]`),
 * `l` and `h` low and high, `t` trade counts (none: the candles hold no trades), `o` today's
 * open. The simulator keeps no order book: `a` and `b` are the last price with no volume.
 */
function ticker(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = paramsOf(request);
  const pairs = pairsOf(engine);
  const wanted = params.get('pair');
  const listed = wanted
    ? wanted.split(',').map((name) => {
        const pair = pairs.byName.get(name);
        if (pair === undefined) throw krakenErrors.unknownAssetPair();
        return pair;
      })
    : pairs.all;
  const day = new Map(engine.tickers().map((t) => [t.symbol, t]));
  const today = new Map(
    engine.tickers(Math.floor(engine.now() / dayMs) * dayMs).map((t) => [t.symbol, t]),
  );
  const result: Record<string, unknown> = {};
  for (const pair of listed) {
    const full = day.get(pair.market.symbol);
    const since = today.get(pair.market.symbol);
    if (full === undefined || since === undefined) continue;
    const price = (value: number) => fixed(value, pair.pairDecimals);
    const last = price(full.last);
    result[pair.id] = {
      a: [last, '0', '0.000'],
      b: [last, '0', '0.000'],
      c: [last, fixed(0, 8)],
      v: [fixed(since.baseVolume, 8), fixed(full.baseVolume, 8)],
      p: [
        vwapText(since.quoteVolume, since.baseVolume, since.last),
        vwapText(full.quoteVolume, full.baseVolume, full.last),
      ],
      t: [0, 0],
      l: [price(since.low), price(full.low)],
      h: [price(since.high), price(full.high)],
      o: price(since.open),
    };
  }
  return ok(result);
}

/** `AddOrder` parameters the simulator models; any other Kraken one is refused, not ignored. */
const addOrderParams = new Set([
  'nonce',
  'pair',
  'type',
  'ordertype',
  'volume',
  'price',
  'cl_ord_id',
  'oflags',
  'trigger',
  'timeinforce',
]);

/**
 * `POST /0/private/AddOrder`: a `market` order (of `volume` in the base, or in the quote with
 * `oflags=viqc` on a buy), or a `stop-loss` sell resting until a candle reaches its trigger
 * `price`, with an optional `cl_ord_id` in one of Kraken's three formats. The answer is Kraken's:
 * the order's description and its txid, nothing of its fill (a look-up says that).
 */
function addOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  for (const name of params.keys()) {
    // A parameter Kraken takes that would change the order (validate, leverage, userref,
    // price2, ...) must not pass unnoticed.
    if (!addOrderParams.has(name)) throw krakenErrors.invalidArguments(name);
  }
  const pair = requiredPair(engine, params);
  const side = params.get('type');
  if (side !== 'buy' && side !== 'sell') throw krakenErrors.invalidArguments('type');
  const orderType = params.get('ordertype');
  if (orderType !== 'market' && orderType !== 'stop-loss') {
    throw krakenErrors.invalidArguments('ordertype');
  }
  const clientOrderId = params.get('cl_ord_id') ?? undefined;
  if (clientOrderId !== undefined && !isKrakenClientOrderId(clientOrderId)) {
    throw krakenErrors.invalidArguments('cl_ord_id');
  }
  const timeInForce = params.get('timeinforce');
  if (timeInForce !== null && timeInForce !== 'GTC') {
    throw krakenErrors.invalidArguments('timeinforce');
  }
  const flags = new Set((params.get('oflags') ?? '').split(',').filter((f) => f !== ''));
  for (const flag of flags) {
    // The engine charges every fee in the quote (fciq); nompp is deprecated and ignored.
    if (!['fciq', 'viqc', 'nompp'].includes(flag)) throw krakenErrors.invalidArguments('oflags');
  }
  const inQuote = flags.has('viqc');
  if (inQuote && !(side === 'buy' && orderType === 'market')) {
    throw krakenErrors.invalidArguments('viqc');
  }
  const volume = params.get('volume') ?? '';
  if (!decimalPattern.test(volume)) throw krakenErrors.invalidArguments('volume');
  if (!inQuote && writtenDecimals(volume) > pair.lotDecimals) {
    throw krakenErrors.invalidArguments('volume');
  }
  const ids = clientOrderId === undefined ? {} : { clientOrderId };

  if (orderType === 'market') {
    const order = engine.placeMarketOrder({
      symbol: pair.market.symbol,
      side,
      ...ids,
      ...(inQuote ? { quoteAmount: Number(volume) } : { amount: Number(volume) }),
    });
    return ok({
      descr: {
        order: describeOrder(pair, side, inQuote ? volume : fixed(order.amount, pair.lotDecimals)),
      },
      txid: [krakenTxid(order.orderId)],
    });
  }

  const trigger = params.get('trigger');
  if (trigger === 'index') throw krakenErrors.indexUnavailable();
  if (trigger !== null && trigger !== 'last') throw krakenErrors.invalidArguments('trigger');
  const price = params.get('price') ?? '';
  // Relative prices (+, -, #, %) are Kraken's too; the simulator rests absolute triggers only.
  if (!decimalPattern.test(price)) throw krakenErrors.invalidArguments('price');
  if (writtenDecimals(price) > pair.pairDecimals) {
    throw krakenErrors.priceDecimals(pair.wsname, pair.pairDecimals);
  }
  // Kraken takes buy stops too; the engine rests sell stops only, and says so.
  if (side === 'buy') throw krakenErrors.internal('the simulator rests sell stops only');
  const order = engine.placeStopOrder({
    symbol: pair.market.symbol,
    side,
    amount: Number(volume),
    stopPrice: Number(price),
    ...ids,
  });
  const volumeText = fixed(order.amount, pair.lotDecimals);
  return ok({
    descr: {
      order: describeOrder(pair, side, volumeText, fixed(Number(price), pair.pairDecimals)),
    },
    txid: [krakenTxid(order.orderId)],
  });
}

/**
 * `POST /0/private/CancelOrder` by `txid` or by `cl_ord_id` (one of them): `{ count: 1 }`. An
 * order that filled or was cancelled, or a client id no order carries, is `EOrder:Unknown order`,
 * which ccxt's `cancelOrder` raises as OrderNotFound; a txid never issued is
 * `EOrder:Invalid order`. A numeric `txid` is a userref, which no engine order carries.
 */
function cancelOrder(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  const txid = params.get('txid') || undefined;
  const clientOrderId = params.get('cl_ord_id') || undefined;
  if ((txid === undefined) === (clientOrderId === undefined)) {
    throw krakenErrors.invalidArguments();
  }
  let order: SimOrder | undefined;
  if (txid !== undefined) {
    if (/^-?[0-9]+$/.test(txid)) throw krakenErrors.unknownOrder();
    order = orderByTxid(engine, txid);
  } else {
    order = engine.allOrders().find((o) => clientIdOf(o) === clientOrderId);
    if (order === undefined) throw krakenErrors.unknownOrder();
  }
  engine.cancelOrder(order.symbol, { orderId: order.orderId });
  return ok({ count: 1 });
}

/** Whether `order` passes the `cl_ord_id` and `userref` filters of a look-up. */
function lookupFilter(params: Params): (order: SimOrder) => boolean {
  const byUserref = userrefFilter(params);
  const clientOrderId = params.get('cl_ord_id') || undefined;
  return (order) =>
    !byUserref && (clientOrderId === undefined || clientIdOf(order) === clientOrderId);
}

/** The orders as Kraken keys them in a look-up: by txid. */
function byTxid(engine: MatchingEngine, orders: readonly SimOrder[], withTrades: boolean) {
  return Object.fromEntries(
    orders.map((o) => [krakenTxid(o.orderId), orderInfo(pairOfOrder(engine, o), o, withTrades)]),
  );
}

/** `POST /0/private/OpenOrders`: the resting stops, optionally of one `cl_ord_id`. */
function openOrders(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  const matches = lookupFilter(params);
  const open = engine.openOrders().filter(matches);
  return ok({ open: byTxid(engine, open, isTrue(params, 'trades')) });
}

/** Kraken pages closed orders and trades by 50. */
const pageSize = 50;

/**
 * `POST /0/private/ClosedOrders`: filled and cancelled orders, newest first, 50 from `ofs`,
 * optionally of one `cl_ord_id`, between `start` (exclusive) and `end` (inclusive) unix seconds
 * of their open or close time (`closetime`: `open`, `close` or `both`), with the `count` of all
 * that match.
 */
function closedOrders(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  const matches = lookupFilter(params);
  const start = optionalSeconds(params, 'start');
  const end = optionalSeconds(params, 'end');
  const offset = offsetParam(params);
  const closeTime = params.get('closetime') || 'both';
  if (!['open', 'close', 'both'].includes(closeTime)) {
    throw krakenErrors.invalidArguments('closetime');
  }
  const inRange = (at: number) =>
    (start === undefined || at > start * 1000) && (end === undefined || at <= end * 1000);
  const closed = engine
    .allOrders()
    .filter((o) => o.status !== 'open' && matches(o))
    .filter(
      (o) =>
        (closeTime !== 'close' && inRange(o.placedAt)) ||
        (closeTime !== 'open' && inRange(o.updatedAt)),
    )
    .sort((a, b) => b.updatedAt - a.updatedAt || b.orderId - a.orderId);
  const page = closed.slice(offset, offset + pageSize);
  return ok({ closed: byTxid(engine, page, isTrue(params, 'trades')), count: closed.length });
}

/**
 * `POST /0/private/QueryOrders?txid=`: the orders of up to 50 comma-separated txids, whatever
 * became of them, optionally filtered by `cl_ord_id` (which Kraken takes here too). A txid never
 * issued is `EOrder:Invalid order`.
 */
function queryOrders(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  const matches = lookupFilter(params);
  const txids = (params.get('txid') ?? '').split(',').filter((t) => t !== '');
  if (txids.length === 0 || txids.length > pageSize) throw krakenErrors.invalidArguments('txid');
  const orders = txids.map((txid) => orderByTxid(engine, txid)).filter(matches);
  return ok(byTxid(engine, orders, isTrue(params, 'trades')));
}

/**
 * `POST /0/private/TradesHistory`: the account's fills, newest first, 50 from `ofs`, between
 * `start` (exclusive) and `end` (inclusive) unix seconds; each order fills in one trade. The fee
 * is in the quote currency.
 */
function tradesHistory(engine: MatchingEngine, request: WireRequest): WireReply {
  const params = privateParams(request);
  const start = optionalSeconds(params, 'start');
  const end = optionalSeconds(params, 'end');
  const offset = offsetParam(params);
  const fills = [...engine.orders]
    .filter(
      (o) =>
        (start === undefined || o.time > start * 1000) &&
        (end === undefined || o.time <= end * 1000),
    )
    .reverse();
  const trades: Record<string, unknown> = {};
  for (const order of fills.slice(offset, offset + pageSize)) {
    const pair = pairOfOrder(engine, order);
    trades[krakenIdOf('T', order.orderId)] = {
      ordertxid: krakenTxid(order.orderId),
      postxid: krakenIdOf('T', order.orderId),
      pair: pair.id,
      time: order.time / 1000,
      type: order.side,
      ordertype: 'market',
      price: fixed(order.price, pair.pairDecimals),
      cost: fixed(roundToWire(order.amount * order.price), costDecimals),
      fee: fixed(order.fee, costDecimals),
      vol: fixed(order.amount, pair.lotDecimals),
      margin: fixed(0, costDecimals),
      leverage: '0',
      misc: '',
      trade_id: order.orderId,
      maker: false,
    };
  }
  return ok({ trades, count: fills.length });
}

/** Free and locked balances together, by Kraken asset id, each with its asset's decimals. */
function balanceRows(engine: MatchingEngine) {
  const free = engine.balances();
  const locked = engine.lockedBalances();
  const codes = [...new Set([...Object.keys(free), ...Object.keys(locked)])].sort();
  return codes.map((code) => {
    const decimals = assetDecimals(code);
    const held = locked[code] ?? 0;
    return {
      id: krakenAssetId(code),
      balance: fixed(roundToWire((free[code] ?? 0) + held), decimals),
      holdTrade: fixed(held, decimals),
    };
  });
}

/** `POST /0/private/Balance`: each asset's total balance (what resting orders hold included). */
function balance(engine: MatchingEngine, request: WireRequest): WireReply {
  privateParams(request);
  return ok(Object.fromEntries(balanceRows(engine).map((row) => [row.id, row.balance])));
}

/**
 * `POST /0/private/BalanceEx`, which ccxt's `fetchBalance` calls: each asset's total `balance`
 * and the `hold_trade` part resting orders hold (ccxt's `used`; `free` is the difference).
 */
function balanceEx(engine: MatchingEngine, request: WireRequest): WireReply {
  privateParams(request);
  return ok(
    Object.fromEntries(
      balanceRows(engine).map((row) => [
        row.id,
        { balance: row.balance, hold_trade: row.holdTrade },
      ]),
    ),
  );
}

/**
 * `POST /0/private/GetApiKeyInfo` (no permission needed): the key's `permissions` and its
 * `ipAllowlist` (empty when unrestricted), from the engine's `restrictions`. Only the permission
 * names Kraken's documentation shows are sent: `query-funds` and `query-open-trades` (reading),
 * `modify-trades` (creating and modifying orders), `withdraw-funds`.
 */
function apiKeyInfo(engine: MatchingEngine, request: WireRequest): WireReply {
  privateParams(request);
  const r = engine.restrictions;
  const permissions = [
    ...(r.enableReading ? ['query-funds', 'query-open-trades'] : []),
    ...(r.enableSpotAndMarginTrading ? ['modify-trades'] : []),
    ...(r.enableWithdrawals ? ['withdraw-funds'] : []),
  ];
  const key = request.headers['api-key'];
  return ok({
    apiKeyName: 'tickfan',
    apiKey: typeof key === 'string' ? key : '',
    nonce: '0',
    nonceWindow: 0,
    permissions,
    iban: 'AA00 SIMU LATO R000',
    validUntil: '0',
    queryFrom: '0',
    queryTo: '0',
    createdTime: '1514764800',
    modifiedTime: '1514764800',
    ipAllowlist: r.ipRestrict ? [...r.ipList] : [],
    lastUsed: String(Math.floor(engine.now() / 1000)),
  });
}

const publicRoutes: readonly [string, WireRoute['handle']][] = [
  ['/0/public/Time', time],
  ['/0/public/Assets', assets],
  ['/0/public/AssetPairs', assetPairs],
  ['/0/public/OHLC', ohlc],
  ['/0/public/Ticker', ticker],
];

const privateRoutes: readonly [string, WireRoute['handle']][] = [
  ['/0/private/Balance', balance],
  ['/0/private/BalanceEx', balanceEx],
  ['/0/private/AddOrder', addOrder],
  ['/0/private/CancelOrder', cancelOrder],
  ['/0/private/OpenOrders', openOrders],
  ['/0/private/ClosedOrders', closedOrders],
  ['/0/private/QueryOrders', queryOrders],
  ['/0/private/TradesHistory', tradesHistory],
  ['/0/private/GetApiKeyInfo', apiKeyInfo],
];

/**
 * Kraken's spot limits, from its REST rate-limit guide and support article, at the Starter tier
 * (the one ccxt's kraken class paces itself for): the public endpoints per IP (OHLC per IP and
 * pair), calls at 1 per second staying inside, modelled as a counter falling by 1 a second; Kraken
 * states no burst, so the simulator assumes one of 60 calls (a minute's worth at that rate): a
 * run whose hung symbol has its containers killed and restarted loads markets some 30 times in a
 * tick. The private API counter per key, 15 at most, falling by 0.33 a second, trade history
 * costing 2; placing and cancelling orders on the matching engine's counter per pair, 60 at most,
 * falling by 1 a second, a cancel costing more the younger its order.
 */
export const krakenLimits = {
  publicMax: 60,
  publicDecayPerSecond: 1,
  privateMax: 15,
  privateDecayPerSecond: 0.33,
  tradingMax: 60,
  tradingDecayPerSecond: 1,
} as const;

const krakenRules: readonly RateRule[] = [
  {
    id: 'public',
    window: {
      kind: 'decay',
      max: krakenLimits.publicMax,
      perSecond: krakenLimits.publicDecayPerSecond,
    },
  },
  {
    id: 'private',
    window: {
      kind: 'decay',
      max: krakenLimits.privateMax,
      perSecond: krakenLimits.privateDecayPerSecond,
    },
  },
  {
    id: 'trading',
    window: {
      kind: 'decay',
      max: krakenLimits.tradingMax,
      perSecond: krakenLimits.tradingDecayPerSecond,
    },
  },
];

/** Private calls that count 2 on the API counter (ledger and trade history). */
const historyCalls = new Set(['/0/private/TradesHistory', '/0/private/Ledgers']);

/** Kraken's cancel penalty by the age of the order cancelled (seconds below, points). */
const cancelPenalties: readonly (readonly [number, number])[] = [
  [5, 8],
  [10, 6],
  [15, 5],
  [45, 4],
  [90, 2],
  [300, 1],
];

/** The order a CancelOrder names, if the engine has it. */
function cancelledOrder(engine: MatchingEngine, params: Params): SimOrder | undefined {
  const txid = params.get('txid');
  const clientOrderId = params.get('cl_ord_id');
  if (txid) {
    const orderId = engineIdOf('O', txid);
    return engine.allOrders().find((o) => o.orderId === orderId);
  }
  if (clientOrderId) return engine.allOrders().find((o) => clientIdOf(o) === clientOrderId);
  return undefined;
}

function tradingCharge(
  engine: MatchingEngine,
  request: WireRequest,
  key: string,
): RateCharge | undefined {
  let params: Params;
  try {
    params = paramsOf(request);
  } catch {
    return undefined;
  }
  if (request.path === '/0/private/AddOrder') {
    const pair = pairsOf(engine).byName.get(params.get('pair') ?? '');
    return { rule: 'trading', bucket: `key:${key}|${pair?.id ?? ''}`, amount: 1 };
  }
  const order = cancelledOrder(engine, params);
  if (order === undefined) return undefined;
  const ageSeconds = (engine.now() - order.placedAt) / 1000;
  const penalty = cancelPenalties.find(([below]) => ageSeconds < below)?.[1] ?? 0;
  const pair = pairsOf(engine).bySymbol.get(order.symbol);
  return { rule: 'trading', bucket: `key:${key}|${pair?.id ?? ''}`, amount: penalty };
}

const krakenRateLimits: WireRateLimits = {
  rules: krakenRules,
  cost(engine, request, ip) {
    if (request.path.startsWith('/0/public/')) {
      const pair = request.path === '/0/public/OHLC' ? `|${request.query.get('pair') ?? ''}` : '';
      return { weight: 1, charges: [{ rule: 'public', bucket: `ip:${ip}${pair}`, amount: 1 }] };
    }
    if (!request.path.startsWith('/0/private/')) return { weight: 1, charges: [] };
    const key = header(request, 'api-key') ?? '';
    if (request.path === '/0/private/AddOrder' || request.path === '/0/private/CancelOrder') {
      const charge = tradingCharge(engine, request, key);
      return charge === undefined
        ? { weight: 0, charges: [] }
        : { weight: charge.amount, charges: [charge] };
    }
    const amount = historyCalls.has(request.path) ? 2 : 1;
    return { weight: amount, charges: [{ rule: 'private', bucket: `key:${key}`, amount }] };
  },
  isMarketsRequest: (request) => request.path === '/0/public/AssetPairs',
};

// Kraken's public methods answer GET and POST alike; its private ones POST only.
const routes: readonly WireRoute[] = [
  ...publicRoutes.flatMap(([path, handle]) =>
    ['GET', 'POST'].map((method) => ({ method, path, handle })),
  ),
  ...privateRoutes.map(([path, handle]) => ({ method: 'POST', path, handle })),
];

/**
 * The subset of Kraken's spot REST API that ccxt's `kraken` class uses: public `Time`, `Assets`,
 * `AssetPairs`, `OHLC` and `Ticker`; private `AddOrder` (market and `stop-loss`, with `cl_ord_id`),
 * `CancelOrder`, `OpenOrders`, `ClosedOrders`, `QueryOrders`, `TradesHistory`, `Balance`,
 * `BalanceEx` and the key's `GetApiKeyInfo`. Answers are `{ error: [], result }`, refusals Kraken's error strings. Private
 * calls want `API-Key` and `API-Sign` headers and a `nonce`, none verified. Point ccxt's kraken at
 * it with `urls.api.public` and `urls.api.private` set to the simulator's root URL.
 */
export const krakenWire: ExchangeWire = {
  exchange: 'kraken',
  // Kraken refuses a cl_ord_id only while an order under it is open (its client-id guide).
  clientIdsUnique: 'while-open',
  routes,
  symbolOf(engine, request) {
    let params: Params;
    try {
      params = paramsOf(request);
    } catch {
      return undefined;
    }
    const name = params.get('pair');
    return name === null ? undefined : pairsOf(engine).byName.get(name)?.market.symbol;
  },
  placesOrder: (request) => request.method === 'POST' && request.path === '/0/private/AddOrder',
  notFound: (request) => errorReply(krakenErrors.unknownMethod(request.method, request.path)),
  rateLimited: (refusal) => ({
    ...errorReply(
      refusal.rule === 'trading' ? krakenErrors.tradingRateLimited() : krakenErrors.rateLimited(),
    ),
    headers: { 'retry-after': String(refusal.retryAfterSeconds) },
  }),
  rateLimits: krakenRateLimits,
  replyToError(error) {
    if (error instanceof KrakenApiError) return errorReply(error);
    if (error instanceof EngineRefusalError) return errorReply(refusals[error.reason]());
    // A handler bug must not take the simulator down; the client sees a 500.
    return errorReply(krakenErrors.internal(String(error)));
  },
};
