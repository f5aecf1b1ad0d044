import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import {
  deriveMarketRules,
  formatDecimal,
  isMultipleOf,
  type MarketRules,
  roundToWire,
} from '../market-data/market-rules.js';
import {
  type CandleFile,
  defaultDataDir,
  firstIndexAtOrAfter,
  lastIndexAtOrBefore,
  listCandleFiles,
  loadCandles,
} from '../market-data/ohlcv-data.js';
import type { Clock } from '../ports/clock.js';
import {
  BinanceApiError,
  binanceErrors,
  exchangeInfoSymbol,
  klineRow,
  supportedOrderTypes,
} from './binance-wire.js';
import { checkFault, FaultDice, type SimFault } from './faults.js';

export type { SimFault } from './faults.js';

/** How to start an {@link ExchangeSimulator}. */
export interface SimulatorOptions {
  /** The simulator's notion of now (a SimClock in local runs): it serves history up to it. */
  clock: Clock;
  /** Folder of `BASE_QUOTE-TIMEFRAME.json` candle files; default: the shipped `lib/market-data/ohlcv`. */
  dataDir?: string;
  /** Load only these unified symbols (`'LTC/BTC'`); default: every file in `dataDir`. */
  symbols?: readonly string[];
  /** Taker fee rate charged on every fill, in the quote currency; default 0.001. */
  feeRate?: number;
  /** Starting balances of the simulated account; default `{ BTC: 1, ETH: 10, USDT: 10000 }`. */
  balances?: Record<string, number>;
  /** Port on 127.0.0.1; default 0 (a free one). */
  port?: number;
  /** Seed of the generator deciding which requests rate-based faults hit; default 1. */
  seed?: number;
  /** What the simulated API key may do, as `GET /sapi/v1/account/apiRestrictions` reports it. */
  apiRestrictions?: Partial<ApiRestrictions>;
}

/** An order the simulator filled. */
export interface SimOrder {
  /** Unified symbol, e.g. `LTC/BTC`. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly amount: number;
  readonly price: number;
  /** Fee in the quote currency. */
  readonly fee: number;
  readonly clientOrderId: string;
  readonly orderId: number;
  /** Simulated time of the fill, epoch ms. */
  readonly time: number;
}

interface SimMarket {
  readonly symbol: string;
  /** Binance market id, e.g. `LTCBTC`. */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  readonly series: ReadonlyMap<Timeframe, readonly Candle[]>;
  /** The shortest timeframe with data: it prices fills, being the most up to date. */
  readonly finest: Timeframe;
  readonly rules: MarketRules;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type Params = URLSearchParams;

const defaultBalances: Readonly<Record<string, number>> = { BTC: 1, ETH: 10, USDT: 10_000 };
const clientOrderIdPattern = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const decimalPattern = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;
const integerPattern = /^[0-9]{1,20}$/;
const maxBodyBytes = 64 * 1024;

/**
 * A local exchange speaking the subset of Binance's spot REST API that ccxt's `binance` class
 * uses: `exchangeInfo`, `klines`, `order` (POST and GET), `account`, `time`, `ping`.
 *
 * It replays the shipped candles on `clock`: a request at simulated time `now` sees the candles
 * opened at or before `now` (the newest one still forming, with its final values) and never a
 * later one. Market orders fill at once, in full, at the **close of the newest candle closed at
 * `now`** on the symbol's shortest timeframe: the last price a bot deciding on closed candles has
 * seen, which makes every fill deterministic. The fee is charged in the quote currency.
 *
 * Private endpoints want an `X-MBX-APIKEY` header and a `signature` parameter, neither verified.
 * Faults set with {@link ExchangeSimulator.setFault} reach the requests naming a symbol; `'*'`
 * faults reach every request whose symbol has no fault of its own.
 */
/** The permissions Binance reports for an API key. */
export interface ApiRestrictions {
  readonly ipRestrict: boolean;
  readonly enableReading: boolean;
  readonly enableSpotAndMarginTrading: boolean;
  readonly enableWithdrawals: boolean;
  readonly enableInternalTransfer: boolean;
  readonly enableMargin: boolean;
  readonly enableFutures: boolean;
  readonly permitsUniversalTransfer: boolean;
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
};

export class ExchangeSimulator {
  /** The key's permissions; tests change them to see preflight refuse a key. */
  restrictions: ApiRestrictions = tradingOnlyKey;

  /** Base URL, e.g. `http://127.0.0.1:53211`; ccxt's binance wants `${url}/api/v3`. */
  readonly url: string;
  /** Unified symbols served, sorted. */
  readonly symbols: readonly string[];

  private readonly filled: SimOrder[] = [];
  private readonly markets: ReadonlyMap<string, SimMarket>;
  private readonly marketsById: ReadonlyMap<string, SimMarket>;
  private readonly account = new Map<string, number>();
  private readonly faults = new Map<string, SimFault>();
  private readonly dice: FaultDice;
  private readonly closing = new AbortController();
  private readonly clock: Clock;
  private readonly feeRate: number;
  private requests = 0;
  private nextOrderId = 1;
  private closed: Promise<void> | undefined;

  /** Use {@link startSimulator}; the constructor takes a listening server and loaded markets. */
  constructor(
    private readonly server: Server,
    markets: readonly SimMarket[],
    options: SimulatorOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    this.markets = new Map(markets.map((m) => [m.symbol, m]));
    this.marketsById = new Map(markets.map((m) => [m.id, m]));
    this.symbols = markets.map((m) => m.symbol).sort();
    this.clock = options.clock;
    this.feeRate = options.feeRate ?? 0.001;
    this.dice = new FaultDice(options.seed ?? 1);
    this.restrictions = { ...tradingOnlyKey, ...options.apiRestrictions };
    for (const [asset, amount] of Object.entries(options.balances ?? defaultBalances)) {
      this.account.set(asset, amount);
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        // A handler bug must not take the simulator down; the client sees a 500.
        this.send(res, errorReply(binanceErrors.internal(String(error))));
      });
    });
  }

  /** Every order the simulator filled, oldest first; counted here, independent of the bot. */
  get orders(): readonly SimOrder[] {
    return this.filled;
  }

  /** Requests received so far, including those a fault answered or swallowed. */
  requestCount(): number {
    return this.requests;
  }

  /** The loaded candles of `symbol` (default: its shortest timeframe), oldest first. */
  candles(symbol: string, timeframe?: Timeframe): readonly Candle[] {
    const market = this.market(symbol);
    const candles = market.series.get(timeframe ?? market.finest);
    if (candles === undefined) {
      throw new RangeError(`the simulator has no ${timeframe} candles of ${symbol}`);
    }
    return candles;
  }

  /** The shortest timeframe the simulator has candles of `symbol` in. */
  timeframe(symbol: string): Timeframe {
    return this.market(symbol).finest;
  }

  /** The trading rules the simulator publishes for `symbol`. */
  rules(symbol: string): MarketRules {
    return this.market(symbol).rules;
  }

  /** The price a market order of `symbol` would fill at now; undefined before the data starts. */
  lastPrice(symbol: string): number | undefined {
    return this.priceAt(this.market(symbol), this.clock.now());
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

  /** A copy of the simulated account's balances. */
  balances(): Record<string, number> {
    return Object.fromEntries(this.account);
  }

  /** Stops listening and ends every open connection, hung requests included. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve, reject) => {
      this.closing.abort();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private market(symbol: string): SimMarket {
    const market = this.markets.get(symbol);
    if (market === undefined) {
      throw new RangeError(
        `the simulator does not serve ${symbol}; it serves ${this.symbols.join(', ') || 'nothing'}`,
      );
    }
    return market;
  }

  private priceAt(market: SimMarket, now: number): number | undefined {
    const candles = market.series.get(market.finest) ?? [];
    const newestClosed = lastIndexAtOrBefore(candles, now - timeframeMs(market.finest));
    return candles[newestClosed]?.close;
  }

  private faultFor(market: SimMarket | undefined): SimFault | undefined {
    return (market && this.faults.get(market.symbol)) ?? this.faults.get('*');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    const body = method === 'POST' || method === 'PUT' ? await readBody(req) : '';
    const params = mergeParams(url.searchParams, body);
    const symbolId = params.get('symbol');
    const market = symbolId === null ? undefined : this.marketsById.get(symbolId);
    const fault = this.faultFor(market);
    const isOrderPost = method === 'POST' && url.pathname === '/api/v3/order';

    if (fault?.kind === 'hang') return; // the socket stays open until the client or close() ends it
    if (fault?.kind === 'http5xx' && this.dice.hits(fault.rate)) {
      // What a gateway in front of the exchange sends: no Binance body, so ccxt goes by the status.
      this.send(res, {
        status: 503,
        body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
        headers: { 'content-type': 'text/html' },
      });
      return;
    }
    if (fault?.kind === 'ratelimit' && this.dice.hits(fault.rate)) {
      this.send(res, {
        ...errorReply(binanceErrors.rateLimited()),
        headers: { 'retry-after': '1' },
      });
      return;
    }

    let reply: Reply;
    try {
      if (isOrderPost && fault?.kind === 'reject') {
        this.requireAuth(req, params);
        throw binanceErrors.insufficientBalance();
      }
      reply = { status: 200, body: this.route(method, url.pathname, params, req) };
    } catch (error) {
      if (!(error instanceof BinanceApiError)) throw error;
      reply = errorReply(error);
    }

    if (isOrderPost && fault?.kind === 'lose-response' && this.dice.hits(fault.rate)) {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'stall') {
      this.send(res, reply, { stall: true });
      return;
    }
    if (fault?.kind === 'slow') {
      try {
        await sleep(fault.ms, undefined, { signal: this.closing.signal });
      } catch {
        return; // closing: the connection is gone anyway
      }
    }
    this.send(res, reply);
  }

  private route(method: string, path: string, params: Params, req: IncomingMessage): unknown {
    switch (`${method} ${path}`) {
      case 'GET /api/v3/ping':
        return {};
      case 'GET /api/v3/time':
        return { serverTime: this.clock.now() };
      case 'GET /api/v3/exchangeInfo':
        return this.exchangeInfo(params);
      case 'GET /api/v3/klines':
        return this.klines(params);
      case 'POST /api/v3/order':
        this.requireAuth(req, params);
        return this.placeOrder(params);
      case 'GET /api/v3/order':
        this.requireAuth(req, params);
        return this.queryOrder(params);
      case 'GET /api/v3/account':
        this.requireAuth(req, params);
        return this.accountInfo();
      case 'GET /sapi/v1/account/apiRestrictions':
        this.requireAuth(req, params);
        return { ...this.restrictions, createTime: 1_514_764_800_000 };
      default:
        throw binanceErrors.notFound(method, path);
    }
  }

  private requireAuth(req: IncomingMessage, params: Params): void {
    const apiKey = req.headers['x-mbx-apikey'];
    if (typeof apiKey !== 'string' || apiKey === '' || !params.get('signature')) {
      throw binanceErrors.unauthorized();
    }
  }

  private requiredMarket(params: Params): SimMarket {
    const id = params.get('symbol');
    if (!id) throw binanceErrors.mandatory('symbol');
    const market = this.marketsById.get(id);
    if (market === undefined) throw binanceErrors.invalidSymbol();
    return market;
  }

  private exchangeInfo(params: Params): unknown {
    const id = params.get('symbol');
    const markets = id ? [this.requiredMarket(params)] : [...this.marketsById.values()];
    return {
      timezone: 'UTC',
      serverTime: this.clock.now(),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
      ],
      exchangeFilters: [],
      symbols: markets.map((m) => exchangeInfoSymbol(m.id, m.base, m.quote, m.rules)),
    };
  }

  private klines(params: Params): unknown {
    const market = this.requiredMarket(params);
    const interval = params.get('interval');
    if (!interval) throw binanceErrors.mandatory('interval');
    const candles = market.series.get(interval as Timeframe);
    if (candles === undefined) throw binanceErrors.invalidInterval();
    const limit = Math.min(1000, optionalInteger(params, 'limit') ?? 500);
    if (limit < 1) throw binanceErrors.illegalParam('limit', '[1, 1000]');
    const startTime = optionalInteger(params, 'startTime');
    const endTime = optionalInteger(params, 'endTime');
    if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
      throw binanceErrors.startAfterEnd();
    }

    // Nothing opened after now exists yet; the candle opened at or before now is still forming.
    const newest = lastIndexAtOrBefore(candles, Math.min(this.clock.now(), endTime ?? Infinity));
    let from: number;
    let to: number;
    if (startTime !== undefined) {
      from = firstIndexAtOrAfter(candles, startTime);
      to = Math.min(newest + 1, from + limit);
    } else {
      // Like Binance: without startTime, the newest `limit` candles up to endTime.
      to = newest + 1;
      from = Math.max(0, to - limit);
    }
    const tf = timeframeMs(interval as Timeframe);
    return candles.slice(from, Math.max(from, to)).map((c) => klineRow(c, tf));
  }

  private placeOrder(params: Params): unknown {
    const market = this.requiredMarket(params);
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
    const clientOrderId = params.get('newClientOrderId') || `sim-${this.nextOrderId}`;
    if (!clientOrderIdPattern.test(clientOrderId)) {
      throw binanceErrors.illegalParam('newClientOrderId', clientOrderIdPattern.source);
    }
    const respType = params.get('newOrderRespType') ?? 'FULL';
    if (!['ACK', 'RESULT', 'FULL'].includes(respType)) {
      throw binanceErrors.illegalParam('newOrderRespType', 'ACK, RESULT, FULL');
    }
    // Every order the simulator knows is filled, so a reused client id is always refused; real
    // Binance only refuses ids of open orders, but an intent must never be placed twice anyway.
    if (this.filled.some((o) => o.clientOrderId === clientOrderId)) {
      throw binanceErrors.duplicateOrder();
    }

    const now = this.clock.now();
    const price = this.priceAt(market, now);
    if (price === undefined) throw binanceErrors.marketClosed();
    const amount = this.orderAmount(params, market, price);
    const { rules } = market;
    if (amount < rules.minQty || !isMultipleOf(amount, rules.stepSize)) {
      throw binanceErrors.filterFailure('LOT_SIZE');
    }
    const cost = roundToWire(amount * price);
    if (cost < rules.minNotional) throw binanceErrors.filterFailure('NOTIONAL');
    const fee = roundToWire(cost * this.feeRate);

    const side = sideParam === 'BUY' ? 'buy' : 'sell';
    const baseBalance = this.account.get(market.base) ?? 0;
    const quoteBalance = this.account.get(market.quote) ?? 0;
    if (side === 'buy' ? quoteBalance < cost + fee : baseBalance < amount) {
      throw binanceErrors.insufficientBalance();
    }
    if (side === 'buy') {
      this.account.set(market.base, roundToWire(baseBalance + amount));
      this.account.set(market.quote, roundToWire(quoteBalance - cost - fee));
    } else {
      this.account.set(market.base, roundToWire(baseBalance - amount));
      this.account.set(market.quote, roundToWire(quoteBalance + cost - fee));
    }
    const order: SimOrder = {
      symbol: market.symbol,
      side,
      amount,
      price,
      fee,
      clientOrderId,
      orderId: this.nextOrderId++,
      time: now,
    };
    this.filled.push(order);

    const ack = {
      symbol: market.id,
      orderId: order.orderId,
      orderListId: -1,
      clientOrderId,
      transactTime: now,
    };
    if (respType === 'ACK') return ack;
    const result = { ...ack, ...orderState(order), workingTime: now };
    if (respType === 'RESULT') return result;
    return {
      ...result,
      fills: [
        {
          price: formatDecimal(price),
          qty: formatDecimal(amount),
          commission: formatDecimal(fee),
          commissionAsset: market.quote,
          tradeId: order.orderId,
        },
      ],
    };
  }

  private orderAmount(params: Params, market: SimMarket, price: number): number {
    const quantity = params.get('quantity');
    const quoteOrderQty = params.get('quoteOrderQty');
    if (quantity && quoteOrderQty) throw binanceErrors.notRequired('quoteOrderQty');
    if (quantity) {
      if (!decimalPattern.test(quantity)) {
        throw binanceErrors.illegalParam('quantity', decimalPattern.source);
      }
      return Number(quantity);
    }
    if (quoteOrderQty) {
      if (!decimalPattern.test(quoteOrderQty)) {
        throw binanceErrors.illegalParam('quoteOrderQty', decimalPattern.source);
      }
      // Binance buys or sells as much as the quote amount pays for, in whole lot steps.
      const step = market.rules.stepSize;
      return roundToWire(
        Math.floor(Number((Number(quoteOrderQty) / price / step).toFixed(9))) * step,
      );
    }
    throw binanceErrors.eitherParam('quantity', 'quoteOrderQty');
  }

  private queryOrder(params: Params): unknown {
    const market = this.requiredMarket(params);
    const orderId = optionalInteger(params, 'orderId');
    const clientOrderId = params.get('origClientOrderId');
    if (orderId === undefined && !clientOrderId) {
      throw binanceErrors.eitherParam('origClientOrderId', 'orderId');
    }
    const order = this.filled.find(
      (o) =>
        o.symbol === market.symbol &&
        (orderId === undefined || o.orderId === orderId) &&
        (!clientOrderId || o.clientOrderId === clientOrderId),
    );
    if (order === undefined) throw binanceErrors.orderNotFound();
    return {
      symbol: market.id,
      orderId: order.orderId,
      orderListId: -1,
      clientOrderId: order.clientOrderId,
      ...orderState(order),
      stopPrice: formatDecimal(0),
      icebergQty: formatDecimal(0),
      time: order.time,
      updateTime: order.time,
      isWorking: true,
      workingTime: order.time,
    };
  }

  private accountInfo(): unknown {
    const now = this.clock.now();
    return {
      makerCommission: 10,
      takerCommission: 10,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: {
        maker: formatDecimal(this.feeRate),
        taker: formatDecimal(this.feeRate),
        buyer: formatDecimal(0),
        seller: formatDecimal(0),
      },
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: now,
      accountType: 'SPOT',
      balances: [...this.account].map(([asset, free]) => ({
        asset,
        free: formatDecimal(free),
        locked: formatDecimal(0),
      })),
      permissions: ['SPOT'],
      uid: 1,
    };
  }

  private send(res: ServerResponse, reply: Reply, options: { stall?: boolean } = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const bytes = Buffer.from(text, 'utf8');
    res.writeHead(reply.status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(bytes.length),
      ...reply.headers,
    });
    if (options.stall) {
      // The declared length keeps the client reading for the half that never comes.
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return;
    }
    res.end(bytes);
  }
}

/** The fields a FULL/RESULT order reply and `GET /api/v3/order` share. */
function orderState(order: SimOrder) {
  return {
    price: formatDecimal(0),
    origQty: formatDecimal(order.amount),
    executedQty: formatDecimal(order.amount),
    origQuoteOrderQty: formatDecimal(0),
    cummulativeQuoteQty: formatDecimal(roundToWire(order.amount * order.price)),
    status: 'FILLED',
    timeInForce: 'GTC',
    type: 'MARKET',
    side: order.side === 'buy' ? 'BUY' : 'SELL',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

function errorReply(error: BinanceApiError): Reply {
  return { status: error.status, body: error.body() };
}

function optionalInteger(params: Params, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  if (!integerPattern.test(value)) throw binanceErrors.illegalParam(name, integerPattern.source);
  return Number(value);
}

/** Query string and form body together; as on Binance, the query string wins a clash. */
function mergeParams(query: URLSearchParams, body: string): Params {
  const params = new URLSearchParams(body);
  for (const [name, value] of query) params.set(name, value);
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new Error(`request body over ${maxBodyBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function loadMarkets(files: readonly CandleFile[]): Promise<SimMarket[]> {
  const bySymbol = new Map<string, CandleFile[]>();
  for (const file of files) bySymbol.set(file.symbol, [...(bySymbol.get(file.symbol) ?? []), file]);
  return Promise.all(
    [...bySymbol.values()].map(async (group) => {
      const series = new Map<Timeframe, readonly Candle[]>();
      for (const file of group) series.set(file.timeframe, await loadCandles(file.path));
      const ordered = [...series.keys()].sort((a, b) => timeframeMs(a) - timeframeMs(b));
      const finest = ordered[0];
      const first = group[0];
      if (finest === undefined || first === undefined) throw new Error('empty symbol group');
      return {
        symbol: first.symbol,
        id: `${first.base}${first.quote}`,
        base: first.base,
        quote: first.quote,
        series,
        finest,
        rules: deriveMarketRules(first.quote, series.get(finest) ?? []),
      };
    }),
  );
}

/**
 * Loads the candle files and starts an {@link ExchangeSimulator} listening on 127.0.0.1.
 * Throws when a requested symbol has no candle file.
 */
export async function startSimulator(options: SimulatorOptions): Promise<ExchangeSimulator> {
  const dataDir = options.dataDir ?? defaultDataDir;
  let files = await listCandleFiles(dataDir);
  if (options.symbols !== undefined) {
    const wanted = new Set(options.symbols);
    const missing = [...wanted].filter((s) => !files.some((f) => f.symbol === s));
    if (missing.length > 0) {
      throw new Error(`no candle file for ${missing.join(', ')} in ${dataDir}`);
    }
    files = files.filter((f) => wanted.has(f.symbol));
  }
  const markets = await loadMarkets(files);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new ExchangeSimulator(server, markets, options);
}
