import { type BotConfig, fixedSymbol, pairConfig, type SymbolConfig } from '../config/schema.js';
import { type Candle, lastClosedCandleTime, timeframeMs } from '../domain/candle.js';
import { mayTrade, TradingMode } from '../domain/control.js';
import { decide, type ExitRules } from '../domain/decision.js';
import { floorToStep } from '../domain/market.js';
import { tickOrderOf } from '../domain/order-lifecycle.js';
import type { Position } from '../domain/position.js';
import { Side, Signal } from '../domain/signal.js';
import { trailedStopPrice } from '../domain/stop.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import { recordAnswer } from '../domain/symbol-health.js';
import type { SymbolTick, TickResult } from '../domain/tick.js';
import { ExchangeUnavailableError } from '../ports/market-data.js';
import { fetchTickCandles } from './fetch-tick-candles.js';
import { placeOrderOnce } from './place-order-once.js';
import { cancelStop, type ProtectRequest, protectPosition } from './protect-position.js';
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
 * Runs one symbol's share of one schedule tick. Protection comes first: whatever the tick then
 * skips, the position it holds keeps its stop on the exchange.
 *
 * 1. Find the symbol's config (a selected pair's settings come with its tick). Reserve the request weight of the tick's exchange calls from the
 *    shared rate budget (as protection, up to the whole limit, when it holds a position or a
 *    pending order; else up to the budget's share), waiting for the next window or the end of
 *    a 429/418 pause within the deadline; without it, skip (`ratelimit`) before any call, the
 *    stop of what is held resting on the exchange. On a redelivery whose last attempt left no
 *    result, count it toward the breaker.
 * 2. A disabled symbol (a message queued before it was, or a direct invoke) or a halted bot:
 *    settle, by look-up only, an order an earlier tick left pending, reconcile the stop, and skip.
 * 3. Settle the order an earlier tick left pending (look it up, apply its fill or cancel it).
 * 4. A tick later than `maxTickLag` after its scheduled time is stale: flat, it skips; holding a
 *    position, it goes on for exits only (an exit is never refused for staleness).
 * 5. While the symbol's circuit breaker is open the tick skips, but first places the stop if the
 *    position has none resting (a stop the exchange reported resting is trusted without a call);
 *    after the cooldown, the tick goes through as the one probe (half-open).
 * 6. Reconcile the stop: a stop that filled closes the position, a missing one is placed again.
 * 7. Fetch the candle window ending at the tick's candle within the deadline (`skipped:
 *    deadline` when the call cannot fit), re-fetching once if that candle has not closed on the
 *    exchange yet; without it, skip as stale. A stale tick never trades.
 * 8. With `risk.trailingStopPct`, raise the stop below a new highest close (cancel, replace).
 * 9. Decide: the strategy's signal and the held position give an entry, an exit (`signal`, the
 *    `roi` ratio for the time held, or `stoploss`/`trailing` when the close is through the stop)
 *    or nothing. Close-only and stale ticks refuse entries (`skipped: halted` / `stale`), as does
 *    a pair that left its volume list (`skipped: deselected`). On a
 *    market the exchange lists as inactive or no longer lists, no order is sent (`skipped:
 *    delisted`): the position keeps its resting stop rather than have it cancelled for an exit
 *    the exchange would refuse.
 * 10. An exit cancels the resting stop first; if the stop filled meanwhile, that fill is the
 *    exit and nothing more is sold. Then place the order at most once (sized within the risk
 *    limits, recorded as an intent under its deterministic client id before it is sent, looked
 *    up by that id on a retry), and apply its fill once. An entry that filled gets its stop at
 *    once, in the same tick. Before any of it, the order is drawn from the budget's order-rate
 *    limit with its request weight (`ratelimit` without room, the stop still resting).
 *
 * Exchange failures count toward the breaker. A failed tick is stored and rethrown as
 * {@link TickFailedError}, so the queue retries the message.
 */
export async function processSymbolTick(deps: TradeDeps, input: TickInput): Promise<TickResult> {
  const symbol = findSymbol(deps.config, input.tick);
  const exitOnly = input.tick.pair?.exitOnly === true;
  const tick = await TickSession.open(deps, input, symbol);
  const ports: TickPorts = { ...deps, call: tick.call, timeout: tick.timeout };
  const strategy = (deps.strategyFor ?? defaultStrategy)(symbol);
  // The candle this tick decides on: the newest one closed at its scheduled time.
  const expected = lastClosedCandleTime(input.tick.scheduledAt, symbol.timeframe);
  const guard: ProtectRequest = {
    strategy: strategy.name,
    timeframe: symbol.timeframe,
    candleTime: expected,
  };
  const maxLag = deps.config.guards.maxTickLagMs ?? timeframeMs(symbol.timeframe) / 2;
  const stale = tick.lagMs > maxLag;
  try {
    const holding = tick.position.amount > 0;
    const budgeted = await tick.reserveTick({
      fetchesCandles:
        symbol.enabled && tick.control.mode !== TradingMode.Halted && (!stale || holding),
      holding,
      pendingOrder: tick.position.pendingOrderId !== undefined,
    });
    // Nothing asked yet: a held position's stop keeps resting on the exchange.
    if (!budgeted) return await tick.skip('ratelimit');
    if (!symbol.enabled) return await protectThenSkip(ports, tick, guard, 'disabled');
    await tick.countVanishedAttempt();
    if (tick.control.mode === TradingMode.Halted) {
      return await protectThenSkip(ports, tick, guard, 'halted');
    }
    // A stale tick decides exits only: flat, it will not decide, so it settles its own order too.
    const decides = !stale || tick.position.amount > 0;
    const settled = await settlePendingOrder(ports, tick.position, decides ? expected : Number.NaN);
    if (settled === 'deadline') return await tick.skip('deadline');
    tick.position = settled.position;
    if (stale && tick.position.amount <= 0)
      return await protectThenSkip(ports, tick, guard, 'stale');

    if (!(await tick.passBreaker())) {
      // The exchange keeps failing: a resting stop is the protection, a missing one is placed.
      await protectQuietly(ports, tick, { ...guard, trustResting: true });
      return await tick.skip('breaker');
    }
    const guarded = await protectPosition(ports, tick.position, guard);
    if (guarded === 'deadline') return await tick.skip('deadline');
    tick.position = guarded;

    const candles = await fetchTickCandles(ports, { symbol, warmup: strategy.warmup, expected });
    if (candles === 'deadline') return await tick.skip('deadline');
    const newest = candles.at(-1);
    if (newest === undefined || newest.time !== expected) {
      await tick.saveHealth(recordAnswer(tick.health));
      return await tick.skip('stale', newest ? { candleTime: newest.time } : {});
    }
    const trailed = await trailStop(ports, tick.position, newest, guard);
    if (trailed === 'deadline') return await tick.skip('deadline');
    tick.position = trailed;

    const signal = latestSignal(strategy.start(), candles);
    const decision = decide(signal, tick.position, exitRules(deps.config, tick.position, newest));
    const decided = { signal, candleTime: newest.time, price: newest.close };
    // Late, a tick only exits: anything else it would have done is skipped as stale.
    if (stale && decision?.side !== Side.Sell) return await tick.skip('stale', decided);
    if (decision === undefined) {
      // A retry whose order was settled above reports that order: it was this tick's decision.
      const own = settled.record?.candleTime === newest.time ? settled.record : undefined;
      return await tick.succeed({ ...decided, ...(own ? { order: tickOrderOf(own) } : {}) });
    }
    if (!mayTrade(tick.control, decision.side)) {
      // Close-only: the strategy wants in, the kill switch says no.
      await tick.markHealthy();
      return await tick.skip('halted', decided);
    }
    if (exitOnly && decision.side === Side.Buy) {
      // The pair has left its volume list: it is managed until flat, never entered again.
      await tick.markHealthy();
      return await tick.skip('deselected', decided);
    }
    const trading = await marketTrades(ports, symbol.symbol);
    if (trading === 'deadline') return await tick.skip('deadline', decided);
    if (!trading) {
      // The exchange takes no orders here: an exit would cancel the stop and then be refused,
      // leaving the position bare. The stop keeps resting, and fills if the exchange lets it.
      await tick.markHealthy();
      return await tick.skip('delisted', decided);
    }
    // Drawn before an exit cancels the stop: without room, the stop keeps protecting.
    if (!(await tick.reserveOrder(decision.side))) return await tick.skip('ratelimit', decided);
    if (decision.side === Side.Sell) {
      const unguarded = await cancelStop(ports, tick.position, symbol.timeframe);
      if (unguarded === 'deadline') return await tick.skip('deadline', decided);
      tick.position = unguarded;
      // The stop filled before it could be cancelled: that fill was the exit.
      if (tick.position.amount <= 0) return await tick.succeed(decided);
    }
    const plan = {
      symbol: symbol.symbol,
      strategy: strategy.name,
      side: decision.side,
      candle: newest,
      ...(decision.reason === undefined ? {} : { exitReason: decision.reason }),
    };
    const placed = await placeOrderOnce(ports, { ...plan, position: tick.position });
    tick.position = placed.position;
    if (placed.order === 'deadline') return await tick.skip('deadline', decided);
    if (decision.side === Side.Buy) {
      const entered = await protectPosition(ports, tick.position, guard);
      if (entered !== 'deadline') tick.position = entered;
    }
    return await tick.succeed({ ...decided, order: placed.order });
  } catch (error) {
    throw new TickFailedError(await tick.fail(error), { cause: error });
  }
}

/**
 * Settles a pending order by look-up only (it never sends), reconciles the stop of what is held,
 * then ends the tick skipped.
 */
async function protectThenSkip(
  ports: TickPorts,
  tick: TickSession,
  guard: ProtectRequest,
  reason: 'disabled' | 'halted' | 'stale',
): Promise<TickResult> {
  const settled = await settlePendingOrder(ports, tick.position, Number.NaN);
  if (settled !== 'deadline') {
    tick.position = settled.position;
    const guarded = await protectPosition(ports, tick.position, guard);
    if (guarded !== 'deadline') tick.position = guarded;
  }
  return tick.skip(reason);
}

/**
 * Protection while the breaker is open: the exchange keeps failing, so a failure here is no news
 * and ends nothing; the breaker's probe and later ticks try again.
 */
async function protectQuietly(
  ports: TickPorts,
  tick: TickSession,
  guard: ProtectRequest,
): Promise<void> {
  try {
    const guarded = await protectPosition(ports, tick.position, guard);
    if (guarded !== 'deadline') tick.position = guarded;
  } catch (error) {
    if (!(error instanceof ExchangeUnavailableError)) throw error;
  }
}

/** Whether the exchange takes orders on `symbol`'s market (false: inactive or delisted). */
async function marketTrades(ports: TickPorts, symbol: string): Promise<boolean | 'deadline'> {
  const timeout = ports.timeout();
  if (timeout === undefined) return 'deadline';
  const market = await ports.call('market', () => ports.market.market(symbol, timeout));
  return market.active !== false;
}

/**
 * Follows a new highest close with the stop, `risk.trailingStopPct` below it (floored to the
 * price step), remembering the high on the position.
 */
async function trailStop(
  ports: TickPorts,
  position: Position,
  newest: Candle,
  guard: ProtectRequest,
): Promise<Position | 'deadline'> {
  const { trailingStopPct } = ports.config.risk;
  const stop = position.stop;
  if (trailingStopPct === undefined || position.amount <= 0 || stop === undefined) return position;
  const high = Math.max(position.highPrice ?? position.entryPrice, newest.close);
  if (high <= (position.highPrice ?? position.entryPrice)) return position;
  const timeout = ports.timeout();
  if (timeout === undefined) return 'deadline';
  const market = await ports.call('market', () => ports.market.market(position.symbol, timeout));
  const raised = trailedStopPrice(stop.price, high, trailingStopPct);
  const raiseTo = raised === undefined ? undefined : floorToStep(raised, market.priceStep);
  const withHigh = { ...position, highPrice: high, version: position.version + 1 };
  await ports.store.putPosition(withHigh);
  if (raiseTo === undefined || raiseTo <= stop.price) return withHigh;
  return protectPosition(ports, withHigh, { ...guard, raiseTo });
}

/** The exit rules of `config` for the position held, at the decision candle. */
function exitRules(config: BotConfig, position: Position, newest: Candle): ExitRules {
  const { stoplossPct, roi } = config.risk;
  return {
    close: newest.close,
    ...(stoplossPct === undefined ? {} : { stoplossPct }),
    ...(position.stop === undefined ? {} : { stopPrice: position.stop.price }),
    ...(roi === undefined || position.openedAt === undefined
      ? {}
      : { roi, minutesHeld: (newest.time - position.openedAt) / 60_000 }),
  };
}

function defaultStrategy(symbol: SymbolConfig): Strategy {
  return createStrategy(symbol.strategy, symbol.params);
}

/** What the tick trades with: a selected pair's settings as its message carries them, or the config's. */
function findSymbol(config: BotConfig, tick: SymbolTick): SymbolConfig {
  if (tick.pair !== undefined) return pairConfig(tick.symbol, tick.pair);
  const found = fixedSymbol(config, tick.symbol);
  if (found === undefined) throw new UnknownSymbolError(tick.symbol);
  return found;
}

function latestSignal(run: { next(candle: Candle): Signal }, candles: readonly Candle[]): Signal {
  let signal: Signal = Signal.None;
  for (const candle of candles) signal = run.next(candle);
  return signal;
}
