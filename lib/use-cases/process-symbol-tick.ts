import type { BotConfig, SymbolConfig } from '../config/schema.js';
import { type Candle, lastClosedCandleTime, timeframeMs } from '../domain/candle.js';
import { mayTrade, TradingMode } from '../domain/control.js';
import { sideFor } from '../domain/decision.js';
import { tickOrderOf } from '../domain/order-lifecycle.js';
import { Signal } from '../domain/signal.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import { recordAnswer } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';
import { fetchTickCandles } from './fetch-tick-candles.js';
import { placeOrderOnce } from './place-order-once.js';
import { settlePendingOrder } from './settle-pending-order.js';
import { TickSession } from './tick-session.js';
import type { TickInput, TickPorts, TradeDeps } from './trade-deps.js';

export type { TickInput, TradeDeps } from './trade-deps.js';

/** A symbol the config does not trade; retrying cannot help. */
export class UnknownSymbolError extends Error {
  constructor(readonly symbol: string) {
    super(`symbol ${JSON.stringify(symbol)} is not in the config`);
    this.name = 'UnknownSymbolError';
  }
}

/** The tick failed and its message should be retried; the tick result is attached. */
export class TickFailedError extends Error {
  constructor(
    readonly result: TickResult,
    options: { cause: unknown },
  ) {
    super(`tick ${result.tickId} failed: ${result.error}`, options);
    this.name = 'TickFailedError';
  }
}

/**
 * Runs one symbol's share of one schedule tick.
 *
 * 1. Find the symbol's config; skip if it is disabled (a message queued before it was, or a
 *    direct invoke). On a redelivery whose last attempt left no result, count it toward the
 *    breaker. Skip if the kill switch halts trading. Either skip first settles, by look-up
 *    only, an order an earlier tick left pending.
 * 2. Settle the order an earlier tick left pending (look it up, apply its fill or cancel it),
 *    even when this tick goes no further.
 * 3. Skip as stale when the tick starts later than `maxTickLag` after its scheduled time.
 * 4. Skip fast while the symbol's circuit breaker is open; after the cooldown, let this tick
 *    through as the one probe (half-open).
 * 5. Fetch the candle window ending at the tick's candle within the deadline (`skipped:
 *    deadline` when the call cannot fit), re-fetching once if that candle has not closed on the
 *    exchange yet; without it, skip as stale. A stale tick never trades.
 * 6. Run the strategy over the candles and map its signal and the held position to an order
 *    side (enter when flat, exit when long or at the stoploss); under close-only, refuse an
 *    entry (`skipped: halted`).
 * 7. Place the order at most once: size it within the risk limits, record the intent under its
 *    deterministic client id before it is sent, and on a retry look it up by that id first.
 * 8. Apply the fill to the position exactly once, record the breaker's success and the tick.
 *
 * Exchange failures count toward the breaker. A failed tick is stored and rethrown as
 * {@link TickFailedError}, so the queue retries the message.
 */
export async function processSymbolTick(deps: TradeDeps, input: TickInput): Promise<TickResult> {
  const symbol = findSymbol(deps.config, input.tick.symbol);
  const tick = await TickSession.open(deps, input, symbol);
  const ports: TickPorts = { ...deps, call: tick.call, timeout: tick.timeout };
  try {
    // A disabled or halted symbol sends nothing, but the order an earlier tick left pending is
    // still looked up and settled: the position must be what the exchange holds.
    if (!symbol.enabled) return await settleThenSkip(ports, tick, 'disabled');
    await tick.countVanishedAttempt();
    if (tick.control.mode === TradingMode.Halted) {
      return await settleThenSkip(ports, tick, 'halted');
    }
    const maxLag = deps.config.guards.maxTickLagMs ?? timeframeMs(symbol.timeframe) / 2;
    const stale = tick.lagMs > maxLag;
    // The candle this tick decides on: the newest one closed at its scheduled time.
    const expected = lastClosedCandleTime(input.tick.scheduledAt, symbol.timeframe);
    // A stale tick will not decide, so it settles its own pending order too.
    const settled = await settlePendingOrder(ports, tick.position, stale ? Number.NaN : expected);
    if (settled === 'deadline') return await tick.skip('deadline');
    tick.position = settled.position;
    if (stale) return await tick.skip('stale');
    if (!(await tick.passBreaker())) return await tick.skip('breaker');

    const strategy = (deps.strategyFor ?? defaultStrategy)(symbol);
    const candles = await fetchTickCandles(ports, { symbol, warmup: strategy.warmup, expected });
    if (candles === 'deadline') return await tick.skip('deadline');
    const newest = candles.at(-1);
    if (newest === undefined || newest.time !== expected) {
      await tick.saveHealth(recordAnswer(tick.health));
      return await tick.skip('stale', newest ? { candleTime: newest.time } : {});
    }
    const signal = latestSignal(strategy.start(), candles);
    const { stoplossPct } = deps.config.risk;
    const exit = { close: newest.close, ...(stoplossPct === undefined ? {} : { stoplossPct }) };
    const side = sideFor(signal, tick.position, exit);
    const decided = { signal, candleTime: newest.time, price: newest.close };
    if (side === undefined) {
      // A retry whose order was settled above reports that order: it was this tick's decision.
      const own = settled.record?.candleTime === newest.time ? settled.record : undefined;
      return await tick.succeed({ ...decided, ...(own ? { order: tickOrderOf(own) } : {}) });
    }
    if (!mayTrade(tick.control, side)) {
      // Close-only: the strategy wants in, the kill switch says no.
      await tick.markHealthy();
      return await tick.skip('halted', decided);
    }
    const plan = { symbol: symbol.symbol, strategy: strategy.name, side, candle: newest };
    const placed = await placeOrderOnce(ports, { ...plan, position: tick.position });
    tick.position = placed.position;
    if (placed.order === 'deadline') return await tick.skip('deadline', decided);
    return await tick.succeed({ ...decided, order: placed.order });
  } catch (error) {
    throw new TickFailedError(await tick.fail(error), { cause: error });
  }
}

/** Settles a pending order by look-up only (it never sends), then ends the tick skipped. */
async function settleThenSkip(
  ports: TickPorts,
  tick: TickSession,
  reason: 'disabled' | 'halted',
): Promise<TickResult> {
  const settled = await settlePendingOrder(ports, tick.position, Number.NaN);
  if (settled !== 'deadline') tick.position = settled.position;
  return tick.skip(reason);
}

function defaultStrategy(symbol: SymbolConfig): Strategy {
  return createStrategy(symbol.strategy, symbol.params);
}

function findSymbol(config: BotConfig, symbol: string): SymbolConfig {
  const found = config.symbols.find((s) => s.symbol === symbol);
  if (found === undefined) throw new UnknownSymbolError(symbol);
  return found;
}

function latestSignal(run: { next(candle: Candle): Signal }, candles: readonly Candle[]): Signal {
  let signal: Signal = Signal.None;
  for (const candle of candles) signal = run.next(candle);
  return signal;
}
