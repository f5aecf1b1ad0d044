import type { Candle, Timeframe } from '../domain/candle.js';
import type { MarketRules } from '../market-data/market-rules.js';
import type { Clock } from '../ports/clock.js';
import { binanceWire } from './binance-wire.js';
import { EngineSnapshotFile } from './engine-snapshot.js';
import type { SimFault } from './faults.js';
import { serveWire, type WireServer } from './http-server.js';
import {
  type ApiRestrictions,
  type EngineState,
  MatchingEngine,
  type SimOrder,
  type SimTicker,
  tradingOnlyKey,
} from './matching-engine.js';
import type { RateLimitOverrides } from './rate-limits.js';
import type { ExchangeRequestStats } from './request-stats.js';
import { loadSimMarkets, type SimMarket } from './sim-markets.js';
import { loadSyntheticMarket, syntheticIndex } from './synthetic-markets.js';
import type { ExchangeWire } from './wire.js';

export type { SimFault } from './faults.js';
export {
  type ApiRestrictions,
  type SimOrder,
  type SimTicker,
  tradingOnlyKey,
} from './matching-engine.js';
export type { RateLimitOverrides } from './rate-limits.js';
export {
  type ExchangeRequestStats,
  fetchRequestStats,
  requestStatsPath,
} from './request-stats.js';

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
  /** The exchange API spoken; default {@link binanceWire}. */
  wire?: ExchangeWire;
  /**
   * Keep the account (orders, fills, resting orders, balances) in this file: restored from it at
   * start when it exists, and replaced after every change before the answer leaves, so a process
   * killed at any moment restarts on the exchange its client saw. Default: in memory only.
   */
  stateFile?: string;
  /**
   * Enforce the exchange's request-rate limits per client IP (and per key or account where the
   * exchange counts so), on `clock`: `true` (the default) with the exchange's documented figures,
   * an object changing some of them by rule id (binance `REQUEST_WEIGHT`, `ORDERS_10S`,
   * `ORDERS_1D`, `SAPI_IP_WEIGHT`; okx the endpoint, e.g. `GET /api/v5/market/candles`; kraken
   * `public`, `private`, `trading`), or `false` for none.
   */
  rateLimits?: boolean | RateLimitOverrides;
  /**
   * Serve this many synthetic markets besides the others: `S0001/BTC` ... (see
   * `syntheticSymbols`), each replaying a shipped candle file moved in time and price. A
   * synthetic symbol named in `symbols` is served too. Default 0.
   */
  synthetic?: number;
}

/**
 * A local exchange: one {@link MatchingEngine} (candles on `clock`, balances, fills, faults)
 * served over HTTP by one exchange's wire, by default the subset of Binance's spot REST API that
 * ccxt's `binance` class uses.
 *
 * A request at simulated time `now` sees the candles opened at or before `now` (the newest one
 * still forming, with its final values) and never a later one. Market orders fill at once, in
 * full, at the close of the newest candle closed at `now` on the symbol's shortest timeframe.
 * Faults set with {@link ExchangeSimulator.setFault} reach the requests naming a symbol; `'*'`
 * faults reach every request whose symbol has no fault of its own.
 */
export class ExchangeSimulator {
  /** Base URL, e.g. `http://127.0.0.1:53211`; ccxt's binance wants `${url}/api/v3`. */
  readonly url: string;
  /** Unified symbols served, sorted. */
  readonly symbols: readonly string[];

  /** Use {@link startSimulator}; this takes an engine and the server already serving it. */
  constructor(
    /** The matching engine behind the wire, for tests that drive it without HTTP. */
    readonly engine: MatchingEngine,
    private readonly server: WireServer,
  ) {
    this.url = server.url;
    this.symbols = engine.symbols;
  }

  /** The key's permissions; tests change them to see preflight refuse a key. */
  get restrictions(): ApiRestrictions {
    return this.engine.restrictions;
  }

  set restrictions(restrictions: ApiRestrictions) {
    this.engine.restrictions = restrictions;
  }

  /** Every order the simulator filled, oldest first; counted here, independent of the bot. */
  get orders(): readonly SimOrder[] {
    return this.engine.orders;
  }

  /** Requests received so far, including those a fault answered or swallowed. */
  requestCount(): number {
    return this.server.requestCount();
  }

  /**
   * What the simulator served so far: requests, their weight in the exchange's unit, rate-limit
   * refusals (429) and bans (418), and requests for the market list. Another process reads the
   * same at `${url}${requestStatsPath}` (see `fetchRequestStats`).
   */
  requestStats(): ExchangeRequestStats {
    return this.server.stats();
  }

  /** True when `symbol` is a synthetic market (moved replay of a shipped file). */
  isSynthetic(symbol: string): boolean {
    return this.engine.market(symbol).synthetic === true;
  }

  /** The loaded candles of `symbol` (default: its shortest timeframe), oldest first. */
  candles(symbol: string, timeframe?: Timeframe): readonly Candle[] {
    return this.engine.candles(symbol, timeframe);
  }

  /** The shortest timeframe the simulator has candles of `symbol` in. */
  timeframe(symbol: string): Timeframe {
    return this.engine.timeframe(symbol);
  }

  /** The trading rules the simulator publishes for `symbol`. */
  rules(symbol: string): MarketRules {
    return this.engine.rules(symbol);
  }

  /** The price a market order of `symbol` would fill at now; undefined before the data starts. */
  lastPrice(symbol: string): number | undefined {
    return this.engine.lastPrice(symbol);
  }

  /**
   * Every served market's 24-hour ticker at now, as each wire's ticker endpoint serves it (see
   * `MatchingEngine.tickers`).
   */
  tickers(): SimTicker[] {
    return this.engine.tickers();
  }

  /**
   * Multiplies the volumes the tickers report for `symbol` by `factor` (finite, >= 0; 1
   * restores them), moving the market in a ranking by volume; its candles keep their volumes.
   */
  setVolumeScale(symbol: string, factor: number): void {
    this.engine.setVolumeScale(symbol, factor);
  }

  /** Sets (or with `undefined` clears) the fault of one symbol, or of every request with `'*'`. */
  setFault(symbol: string | '*', fault: SimFault | undefined): void {
    this.engine.setFault(symbol, fault);
  }

  /** The orders resting on the exchange now (stops waiting for their trigger). */
  openOrders(symbol?: string): SimOrder[] {
    return this.engine.openOrders(symbol);
  }

  /** A copy of the simulated account's balances. */
  balances(): Record<string, number> {
    return this.engine.balances();
  }

  /** Stops listening and ends every open connection, hung requests included. */
  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * Loads the candle files and starts an {@link ExchangeSimulator} listening on 127.0.0.1.
 * Throws when a requested symbol has no candle file.
 */
export async function startSimulator(options: SimulatorOptions): Promise<ExchangeSimulator> {
  const markets = await loadMarkets(options);
  const wire = options.wire ?? binanceWire;
  const engine = new MatchingEngine(markets, {
    ...(wire.clientIdsUnique === undefined ? {} : { clientIdsUnique: wire.clientIdsUnique }),
    clock: options.clock,
    ...(options.feeRate === undefined ? {} : { feeRate: options.feeRate }),
    ...(options.balances === undefined ? {} : { balances: options.balances }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    apiRestrictions: { ...tradingOnlyKey, ...options.apiRestrictions },
  });
  if (options.stateFile !== undefined) {
    const file = new EngineSnapshotFile<EngineState>(options.stateFile);
    const saved = file.load();
    if (saved !== undefined) engine.importState(saved);
    engine.onChange(() => file.save(engine.exportState()));
    // The file holds every change from now on, even one that no request has made yet.
    file.save(engine.exportState());
  }
  const server = await serveWire(engine, wire, options.port, {
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
  });
  return new ExchangeSimulator(engine, server);
}

/** The file markets asked for, then the synthetic ones: the first `synthetic` and any named. */
async function loadMarkets(options: SimulatorOptions): Promise<SimMarket[]> {
  const named = options.symbols ?? [];
  const syntheticNamed = new Map<number, string>();
  for (const symbol of named) {
    const index = syntheticIndex(symbol);
    if (index !== undefined) syntheticNamed.set(index, symbol);
  }
  const files = await loadSimMarkets(
    options.dataDir,
    options.symbols?.filter((s) => syntheticIndex(s) === undefined),
  );
  const count = options.synthetic ?? 0;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`synthetic: must be a whole number >= 0, got ${count}`);
  }
  const indexes = new Set([
    ...Array.from({ length: count }, (_, i) => i + 1),
    ...syntheticNamed.keys(),
  ]);
  const synthetic = await Promise.all(
    [...indexes].sort((a, b) => a - b).map((i) => loadSyntheticMarket(i, syntheticNamed.get(i))),
  );
  return [...files, ...synthetic];
}
