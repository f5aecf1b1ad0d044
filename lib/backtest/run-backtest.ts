import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import type { ClientIdStyle } from '../domain/client-id.js';
import { type Decision, decide, type ExitRules } from '../domain/decision.js';
import { floorToStep, type Market } from '../domain/market.js';
import { clientOrderId } from '../domain/order-intent.js';
import { paperFillCost } from '../domain/paper-fill.js';
import { applyFill, flatPosition, type Position, totalPnl } from '../domain/position.js';
import { roundTrips as pairRoundTrips, type RoundTrip } from '../domain/round-trips.js';
import { Side, Signal } from '../domain/signal.js';
import { type RiskLimits, sizeOrder } from '../domain/sizing.js';
import {
  type ExitReason,
  initialStopPrice,
  stopClientOrderId,
  stopExitReason,
  stopFillPrice,
  trailedStopPrice,
} from '../domain/stop.js';
import { type StrategyName, windowLocal } from '../domain/strategies/registry.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import { firstIndexAtOrAfter, lastIndexAtOrBefore } from '../market-data/ohlcv-data.js';

/** What to backtest, and on what. */
export interface BacktestInput {
  /** Unified symbol, e.g. `LTC/BTC`. */
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /**
   * Every candle there is, oldest first, opening on the timeframe's grid. Decisions are made on
   * the candles within [`from`, `to`]; their windows may reach back before `from`.
   */
  readonly candles: readonly Candle[];
  readonly strategy: Strategy;
  /**
   * Whether one continuous run may stand in for a fresh run per candle (see `windowLocal` in
   * lib/domain/strategies/registry.ts). Default: the registry's answer for a built-in strategy
   * of `strategy.name`, false for any other.
   */
  readonly windowLocal?: boolean;
  /** Trading rules the orders are sized with (see `simulatedMarket`). */
  readonly market: Market;
  readonly risk: RiskLimits;
  /** The paper account's fee rate (`paper.feeRate`). */
  readonly feeRate: number;
  /**
   * The paper account's starting balance of the quote currency: a buy it cannot pay for is
   * refused, as the paper broker refuses it. Default: unlimited.
   */
  readonly quoteBalance?: number;
  /** Earliest open time of a decision candle (epoch ms); default the first candle. */
  readonly from?: number;
  /** Latest open time of a decision candle (epoch ms); default the last candle. */
  readonly to?: number;
  /** Whose client ids the orders get: the configured exchange's (`exchange.id`), as live. */
  readonly clientIdStyle: ClientIdStyle;
}

/** One filled order, as the `npm start` summary lists its `trades`. */
export interface BacktestTrade {
  readonly symbol: string;
  readonly side: Side;
  /** Open time of the candle whose close decided and priced the order. */
  readonly candleTime: number;
  readonly price: number;
  readonly amount: number;
  /** In the quote currency. */
  readonly fee: number;
  /** The order's client id, as the trade function derives it. */
  readonly clientOrderId: string;
  /** Why a sell closed the position. */
  readonly reason?: ExitReason;
}

/** The stop a backtest position rests, as the trade function would have placed it. */
interface RestingStop {
  readonly price: number;
  readonly revision: number;
  readonly entryOrderId: string;
}

export type { RoundTrip } from '../domain/round-trips.js';

/** The figures of a backtest. Ratios are fractions (0.05 is 5 %). */
export interface BacktestSummary {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly strategy: string;
  /** Open time of the first and the last decision candle, epoch ms. */
  readonly firstCandle: number;
  readonly lastCandle: number;
  /** Candles decided on: one decision each. */
  readonly candles: number;
  /** Runs of missing candles inside the span. */
  readonly gaps: number;
  /** Candles missing inside the span: ticks the trade function would skip as stale. */
  readonly missingCandles: number;
  /** Filled orders (fills). */
  readonly orders: number;
  /** Orders the risk limits, the market's minimums or the quote balance refused. */
  readonly rejected: number;
  /** Closed round trips, and how many of them made money after fees. */
  readonly roundTrips: number;
  readonly wins: number;
  /** `wins / roundTrips`; null without a closed round trip. */
  readonly winRate: number | null;
  /** The amount the strategy deploys per entry: `min(stakePerTrade, maxPosition)`. */
  readonly capital: number;
  /** Realised plus unrealised profit at the last close, fees included, in the quote currency. */
  readonly pnl: number;
  readonly fees: number;
  /** `pnl / capital`: the return on the money the strategy puts at risk. */
  readonly totalReturn: number;
  /** Last close over first close of the span, minus one. */
  readonly buyAndHoldReturn: number;
  /** Largest fall of equity (capital + pnl, marked at each close) from its running peak. */
  readonly maxDrawdown: number;
  /**
   * Mean over standard deviation of the per-candle equity returns, times √(candles per
   * 365-day year); risk-free rate 0. Null when the returns do not vary.
   */
  readonly sharpe: number | null;
  /** Fraction of the span's time with a position held. */
  readonly exposure: number;
  /** Base amount still held after the last candle. */
  readonly position: number;
}

export interface BacktestResult {
  readonly summary: BacktestSummary;
  /** The trading rules the orders were sized with; their steps set the printed precision. */
  readonly market: Market;
  readonly trades: readonly BacktestTrade[];
  readonly roundTrips: readonly RoundTrip[];
  /** Index in `candles` of the first and the last decision candle. */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /**
   * Equity (capital + pnl, in the quote currency) after each decision, marked at that candle's
   * close: `equity[k]` belongs to `candles[firstIndex + k]`.
   */
  readonly equity: Float64Array;
  /** Wall time of the replay and its speed, in decision candles per second. */
  readonly elapsedMs: number;
  readonly candlesPerSecond: number;
}

/** A backtest that cannot run as asked; the message names the reason. */
export class BacktestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestError';
  }
}

const yearMs = 365 * 24 * 60 * 60 * 1000;

/**
 * Replays candles through the trade function's decision path: one decision per closed candle.
 *
 * 1. For each candle in the span, take the window the trade function would fetch for the tick
 *    that follows it: the candles opened within `warmup - 1` timeframes before it, at most
 *    `warmup`. A missing candle gets no decision (that tick is skipped as stale).
 * 2. Take the signal of a fresh strategy run over that window, as the trade function does. For a
 *    window-local strategy one continuous run gives the same signal on a full window, and `none`
 *    is what any run gives on a shorter one; it is used instead, about `warmup` times faster.
 * 3. First the stop resting since the previous close: if this candle reaches it, it fills inside
 *    the candle by `stopFillPrice` (at the stop, or at the open after a gap), as the exchange
 *    simulator fills it; a trailing stop then follows a new highest close.
 * 4. `decide(signal, position, exit rules)`, `sizeOrder` within the risk limits and the market's
 *    rules, a paper fill at the candle's close with the paper broker's fee (`paperFillCost`),
 *    and `applyFill`: the trade function's own domain functions. An entry rests its stop at
 *    `stoplossPct` below the fill, floored to the price step, as the trade function places it.
 * 5. Mark the position at each close for the equity curve (`totalPnl`, the mark `equityCurve`
 *    makes for the run report from the same fills), pair the fills into round trips
 *    (lib/domain/round-trips.ts, as the run report does), and take the figures from those.
 */
export function runBacktest(input: BacktestInput): BacktestResult {
  const began = performance.now();
  const { candles, strategy, market, risk, symbol, timeframe } = input;
  const tf = timeframeMs(timeframe);
  const warmup = strategy.warmup;
  const reach = (warmup - 1) * tf;
  const local = input.windowLocal ?? isWindowLocal(strategy.name);
  const first = firstIndexAtOrAfter(candles, input.from ?? Number.NEGATIVE_INFINITY);
  const last = lastIndexAtOrBefore(candles, input.to ?? Number.POSITIVE_INFINITY);
  if (first > last) {
    throw new BacktestError(
      `no candles between ${isoOr(input.from, 'the start')} and ${isoOr(input.to, 'the end')}`,
    );
  }

  const count = last - first + 1;
  const capital = Math.min(risk.stakePerTrade, risk.maxPosition);
  const book: Book = {
    position: flatPosition(symbol),
    quote: input.quoteBalance ?? Number.POSITIVE_INFINITY,
    fees: 0,
    rejected: 0,
    stop: undefined,
    trades: [],
  };
  let gaps = 0;
  let missing = 0;
  let heldMs = 0;
  let previousTime = 0;
  const equity = new Float64Array(count);
  const exitsOnPrice = risk.stoplossPct !== undefined || risk.roi !== undefined;
  const rules: Writable<ExitRules> = {
    close: 0,
    stoplossPct: undefined,
    stopPrice: undefined,
    roi: undefined,
    minutesHeld: undefined,
  };

  const start = Math.max(0, first - (warmup - 1));
  const run = local ? strategy.start() : undefined;
  let windowStart = start;
  for (let i = start; i <= last; i++) {
    const candle = candles[i] as Candle;
    while ((candles[windowStart] as Candle).time < candle.time - reach) windowStart++;
    const continuous = run?.next(candle);
    if (i < first) continue;
    const full = i - windowStart + 1 === warmup;
    let signal: Signal;
    if (continuous === undefined) signal = freshSignal(strategy, candles, windowStart, i);
    // A window-local strategy, as `warmup` promises, says nothing on a shorter window.
    else signal = full ? continuous : Signal.None;

    // The stop resting since the previous close fills inside this candle, before its decision.
    if (book.stop !== undefined && book.position.amount > 0) {
      const price = stopFillPrice(candle, book.stop.price);
      if (price !== undefined) bookStopFill(book, input, candle, price);
    }
    // A trailing stop follows a new highest close, from the next candle on.
    if (book.stop !== undefined && book.position.amount > 0 && risk.trailingStopPct !== undefined) {
      trailStop(book, market, candle, risk.trailingStopPct);
    }

    // `decide` reads the rules only for a held position, and needs none without a stop or roi.
    const held = book.position.amount > 0 && exitsOnPrice;
    const decision = decide(
      signal,
      book.position,
      held ? exitRules(rules, candle, book.position, book.stop, risk) : undefined,
    );
    if (decision !== undefined) bookDecision(book, input, candle, decision);

    if (i > first) {
      const step = candle.time - previousTime;
      if (step > tf) {
        gaps += 1;
        missing += Math.round(step / tf) - 1;
      }
    }
    previousTime = candle.time;
    // `equityCurve`'s mark of the same position, without replaying every fill a second time.
    equity[i - first] = capital + totalPnl(book.position, candle.close);
    // Held from this close to the next one.
    if (book.position.amount > 0 && i < last) {
      heldMs += (candles[i + 1] as Candle).time - candle.time;
    }
  }

  const { position, trades, rejected, fees } = book;
  const firstCandle = candles[first] as Candle;
  const lastCandle = candles[last] as Candle;
  const lastClose = lastCandle.close;
  const { maxDrawdown, mean, std } = equityFigures(equity, capital);
  const roundTrips = pairRoundTrips(trades, lastClose);
  const closed = roundTrips.filter((t) => !t.open);
  const wins = closed.filter((t) => t.pnl > 0).length;
  const spanMs = lastCandle.time - firstCandle.time;
  const pnl = totalPnl(position, lastClose);
  const elapsedMs = performance.now() - began;

  return {
    summary: {
      symbol,
      timeframe,
      strategy: strategy.name,
      firstCandle: firstCandle.time,
      lastCandle: lastCandle.time,
      candles: count,
      gaps,
      missingCandles: missing,
      orders: trades.length,
      rejected,
      roundTrips: closed.length,
      wins,
      winRate: closed.length === 0 ? null : wins / closed.length,
      capital,
      pnl,
      fees,
      totalReturn: pnl / capital,
      buyAndHoldReturn: lastClose / firstCandle.close - 1,
      maxDrawdown,
      sharpe: std > 0 ? (mean / std) * Math.sqrt(yearMs / tf) : null,
      exposure: spanMs > 0 ? heldMs / spanMs : 0,
      position: position.amount,
    },
    market,
    trades,
    roundTrips,
    firstIndex: first,
    lastIndex: last,
    equity,
    elapsedMs,
    candlesPerSecond: elapsedMs > 0 ? (count / elapsedMs) * 1000 : Number.POSITIVE_INFINITY,
  };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The paper account a backtest books its fills into, carried from candle to candle. Booking lives
 * in functions of its own, out of the per-candle loop, which then stays small enough for the JIT
 * to inline what every candle calls (the strategy, `decide`, `totalPnl`).
 */
interface Book {
  position: Position;
  /** Quote currency left to pay for buys. */
  quote: number;
  fees: number;
  /** Orders the risk limits, the market's minimums or the quote balance refused. */
  rejected: number;
  stop: RestingStop | undefined;
  readonly trades: BacktestTrade[];
}

/** The resting stop fills at `price` inside `candle`: the whole position is sold. */
function bookStopFill(book: Book, input: BacktestInput, candle: Candle, price: number): void {
  const stop = book.stop as RestingStop;
  const amount = book.position.amount;
  const cost = paperFillCost(amount, price, input.feeRate);
  const reason = stopExitReason(stop.price, book.position.entryPrice, input.risk.stoplossPct ?? 0);
  const id = stopClientOrderId(stop.entryOrderId, stop.revision, input.clientIdStyle);
  book.quote += cost.notional - cost.fee;
  book.fees += cost.fee;
  book.position = applyFill(book.position, { side: Side.Sell, amount, price, fee: cost.fee }, id);
  book.trades.push({
    symbol: input.symbol,
    side: Side.Sell,
    candleTime: candle.time,
    price,
    amount,
    fee: cost.fee,
    clientOrderId: id,
    reason,
  });
  book.stop = undefined;
}

/** A new highest close raises the trailing stop `trailingStopPct` below it, floored to the tick. */
function trailStop(book: Book, market: Market, candle: Candle, trailingStopPct: number): void {
  const stop = book.stop as RestingStop;
  const previousHigh = book.position.highPrice ?? book.position.entryPrice;
  if (!(candle.close > previousHigh)) return;
  book.position = { ...book.position, highPrice: candle.close };
  const raised = trailedStopPrice(stop.price, candle.close, trailingStopPct);
  const to = raised === undefined ? undefined : floorToStep(raised, market.priceStep);
  if (to !== undefined && to > stop.price) {
    book.stop = { price: to, revision: stop.revision + 1, entryOrderId: stop.entryOrderId };
  }
}

/**
 * `decision` at `candle`'s close: sized within the risk limits and the market's rules, filled at
 * the close with the paper broker's fee, or refused. An entry rests its stop.
 */
function bookDecision(book: Book, input: BacktestInput, candle: Candle, decision: Decision): void {
  const { side } = decision;
  const { risk } = input;
  const sizing = sizeOrder(side, candle.close, book.position, input.market, risk);
  const cost = sizing.ok ? paperFillCost(sizing.amount, candle.close, input.feeRate) : undefined;
  if (
    !sizing.ok ||
    cost === undefined ||
    (side === Side.Buy && book.quote < cost.notional + cost.fee)
  ) {
    book.rejected += 1;
    return;
  }
  const { amount } = sizing;
  const id = clientOrderId(
    { strategy: input.strategy.name, symbol: input.symbol, candleTime: candle.time, side },
    input.clientIdStyle,
  );
  book.quote += side === Side.Buy ? -(cost.notional + cost.fee) : cost.notional - cost.fee;
  book.fees += cost.fee;
  book.position = applyFill(
    book.position,
    { side, amount, price: candle.close, fee: cost.fee, candleTime: candle.time },
    id,
  );
  const trade: Writable<BacktestTrade> = {
    symbol: input.symbol,
    side,
    candleTime: candle.time,
    price: candle.close,
    amount,
    fee: cost.fee,
    clientOrderId: id,
  };
  if (decision.reason !== undefined) trade.reason = decision.reason;
  book.trades.push(trade);
  if (side === Side.Buy) {
    book.stop =
      risk.stoplossPct === undefined
        ? undefined
        : {
            price: floorToStep(
              initialStopPrice(book.position.entryPrice, risk.stoplossPct),
              input.market.priceStep,
            ),
            revision: 1,
            entryOrderId: id,
          };
  } else {
    book.stop = undefined;
  }
}

/**
 * The largest fall of `equity` from its running peak (starting at `start`, the value before the
 * first candle), and the mean and sample standard deviation of its per-candle returns (Welford's
 * running form).
 */
function equityFigures(
  equity: Float64Array,
  start: number,
): { maxDrawdown: number; mean: number; std: number } {
  let peak = start;
  let maxDrawdown = 0;
  let returns = 0;
  let mean = 0;
  let m2 = 0;
  for (let k = 0; k < equity.length; k++) {
    const value = equity[k] as number;
    if (k > 0) {
      const previous = equity[k - 1] as number;
      const r = previous === 0 ? 0 : value / previous - 1;
      returns += 1;
      const delta = r - mean;
      mean += delta / returns;
      m2 += delta * (r - mean);
    }
    if (value > peak) peak = value;
    else if (peak > 0 && (peak - value) / peak > maxDrawdown) maxDrawdown = (peak - value) / peak;
  }
  return { maxDrawdown, mean, std: returns > 1 ? Math.sqrt(m2 / (returns - 1)) : 0 };
}

/**
 * What `decide` exits a held position on at `candle`'s close, as the trade function passes it,
 * written into `rules`: one object reused for every held candle (`decide` keeps none), and one
 * shape whatever is configured (an absent rule is undefined).
 */
function exitRules(
  rules: Writable<ExitRules>,
  candle: Candle,
  position: Position,
  stop: RestingStop | undefined,
  risk: RiskLimits,
): ExitRules {
  const held = risk.roi === undefined ? undefined : position.openedAt;
  rules.close = candle.close;
  rules.stoplossPct = risk.stoplossPct;
  rules.stopPrice = stop?.price;
  rules.roi = held === undefined ? undefined : risk.roi;
  rules.minutesHeld = held === undefined ? undefined : (candle.time - held) / 60_000;
  return rules;
}

/** The trade function's evaluation: a fresh run over the window, the last signal counts. */
function freshSignal(
  strategy: Strategy,
  candles: readonly Candle[],
  from: number,
  to: number,
): Signal {
  const run = strategy.start();
  let signal: Signal = Signal.None;
  for (let k = from; k <= to; k++) signal = run.next(candles[k] as Candle);
  return signal;
}

function isWindowLocal(name: string): boolean {
  return Object.hasOwn(windowLocal, name) && windowLocal[name as StrategyName];
}

function isoOr(time: number | undefined, otherwise: string): string {
  return time === undefined ? otherwise : new Date(time).toISOString();
}
