import { exchangeLimits, type SymbolConfig } from '../config/schema.js';
import type { TradingControl } from '../domain/control.js';
import { callTimeout, type DeadlineRules } from '../domain/deadline.js';
import type { Position } from '../domain/position.js';
import {
  BudgetPriority,
  type BudgetRequest,
  orderWeight,
  RatePool,
  type TickCalls,
  tickPriority,
  tickWeight,
} from '../domain/rate-budget.js';
import { Signal } from '../domain/signal.js';
import {
  type BreakerRules,
  breakerGate,
  recordFailure,
  recordSuccess,
  type SymbolHealth,
  startProbe,
} from '../domain/symbol-health.js';
import { type SkipReason, type TickResult, TickStatus, tickId } from '../domain/tick.js';
import { ExchangeUnavailableError } from '../ports/market-data.js';
import { notifyBreaker } from './notify.js';
import { type ExchangeCall, minCallMs, type TickInput, type TradeDeps } from './trade-deps.js';

type TickEnd = Partial<TickResult> & Pick<TickResult, 'status' | 'signal'>;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Refusals a draw waits out at most; the deadline ends it first (okx's 2-s windows fit 14 in a
 * 30 s function), this only bounds it where time does not pass.
 */
export const budgetAttempts = 20;

const outcomeMetric = {
  ok: 'TickSucceeded',
  skipped: 'TickSkipped',
  failed: 'TickFailed',
} as const;

/**
 * One symbol tick as it runs: the position and breaker as they stand after each step, the kill
 * switch it read, its deadline, and the one place that records how it ended.
 */
export class TickSession {
  /** Milliseconds between the tick's scheduled time and its start. */
  readonly lagMs: number;
  private readonly breakerRules: BreakerRules;
  private readonly deadlineRules: DeadlineRules;

  private constructor(
    private readonly deps: TradeDeps,
    private readonly input: TickInput,
    readonly symbol: SymbolConfig,
    readonly startedAt: number,
    public position: Position,
    public health: SymbolHealth,
    readonly control: TradingControl,
  ) {
    const { guards, timeouts } = deps.config;
    this.lagMs = startedAt - input.tick.scheduledAt;
    this.breakerRules = {
      threshold: guards.breakerThreshold,
      cooldownMs: guards.breakerCooldownMs,
    };
    this.deadlineRules = { ...timeouts, minCallMs };
  }

  /** Reads the symbol's position and breaker and the kill switch, and counts the tick's lag. */
  static async open(deps: TradeDeps, input: TickInput, symbol: SymbolConfig): Promise<TickSession> {
    const startedAt = deps.clock.now();
    const { position, health, control } = await deps.store.getTickState(symbol.symbol);
    const session = new TickSession(deps, input, symbol, startedAt, position, health, control);
    deps.metrics.add('TickLag', session.lagMs);
    return session;
  }

  /** The timeout for the next exchange call, or undefined when none fits the deadline. */
  readonly timeout = (): number | undefined =>
    callTimeout(this.input.remainingMs(), this.deadlineRules);

  /**
   * Runs one exchange call, timing it and counting its failure toward the breaker: once for the
   * tick, however many of its calls and attempts fail.
   */
  readonly call: ExchangeCall = async (call, run) => {
    const { metrics, clock } = this.deps;
    const began = performance.now();
    try {
      return await run();
    } catch (error) {
      if (error instanceof ExchangeUnavailableError) {
        metrics.add('FetchFailures', 1);
        if (error.kind === 'timeout') metrics.add('ExchangeTimeouts', 1);
        await this.saveHealth(
          recordFailure(this.health, clock.now(), this.breakerRules, this.input.tick.scheduledAt),
        );
      }
      throw error;
    } finally {
      metrics.add('ExchangeLatency', Math.round(performance.now() - began), { call });
    }
  };

  /**
   * Reserves the request weight of the tick's exchange calls (`calls`) from the shared rate
   * budget, before the first of them: as protection when it holds a position or a pending
   * order (up to the whole limit), else as an entry (up to the budget's share). False when the
   * budget had no room within the deadline.
   */
  reserveTick(calls: TickCalls): Promise<boolean> {
    const { weights } = exchangeLimits[this.deps.config.exchange.id].rate;
    return this.draw({
      pool: RatePool.Requests,
      weight: tickWeight(weights, calls),
      priority: tickPriority(calls),
    });
  }

  /**
   * Reserves a market order about to be sent: its place in the order-rate limit and its request
   * weight (a buy's with its stop's). An exit draws as protection. Paper orders never reach the
   * exchange and draw nothing.
   */
  async reserveOrder(side: 'buy' | 'sell'): Promise<boolean> {
    const { config } = this.deps;
    if (config.exchange.mode === 'paper') return true;
    const weight = orderWeight(exchangeLimits[config.exchange.id].rate.weights, side);
    const priority = side === 'sell' ? BudgetPriority.Protection : BudgetPriority.Entry;
    return (
      (await this.draw({ pool: RatePool.Orders, weight: weight.orders, priority })) &&
      (await this.draw({ pool: RatePool.Requests, weight: weight.requests, priority }))
    );
  }

  /**
   * Draws `request` from the budget. Refused, it waits until the budget says to try again
   * (the next window, or the end of a 429/418 pause) if an exchange call still fits the
   * deadline after that wait; otherwise it gives up.
   */
  private async draw(request: BudgetRequest): Promise<boolean> {
    const { budget, clock, metrics, sleep } = this.deps;
    if (budget === undefined || request.weight <= 0) return true;
    for (let attempt = 0; attempt < budgetAttempts; attempt++) {
      const answer = await budget.reserve(request);
      if (answer.granted) return true;
      const waitMs = Math.max(0, answer.retryAt - clock.now());
      const leftMs = this.input.remainingMs() - this.deadlineRules.safetyMarginMs;
      if (waitMs + minCallMs > leftMs) break;
      metrics.add('RateBudgetWaits', 1);
      await (sleep ?? wait)(waitMs);
    }
    metrics.add('RateLimitSkips', 1);
    return false;
  }

  /**
   * On a redelivery, counts a last attempt that left no result toward the breaker: it was killed
   * (timed out, perhaps blocked), and nothing else could count it. A failure it stored counted.
   * Like a failed call, it counts once per tick: a tick whose attempts keep dying adds one.
   */
  async countVanishedAttempt(): Promise<void> {
    if ((this.input.attempt ?? 1) <= 1) return;
    const scheduled = new Date(this.input.tick.scheduledAt).toISOString();
    if ((await this.deps.store.getTickResult(this.symbol.symbol, scheduled)) !== undefined) return;
    this.deps.metrics.add('VanishedAttempts', 1);
    await this.saveHealth(
      recordFailure(this.health, this.startedAt, this.breakerRules, this.input.tick.scheduledAt),
    );
  }

  /**
   * Whether the breaker lets this tick through; after the cooldown it goes as the one probe. The
   * tick that opened it is let through again on its retries.
   */
  async passBreaker(): Promise<boolean> {
    const gate = breakerGate(
      this.health,
      this.startedAt,
      this.breakerRules,
      this.input.tick.scheduledAt,
    );
    if (gate === 'probe') await this.saveHealth(startProbe(this.health, this.startedAt));
    return gate !== 'reject';
  }

  /** Writes the breaker's next state, if it changed. */
  async saveHealth(next: SymbolHealth): Promise<void> {
    if (next === this.health) return;
    await this.deps.store.putHealth(next);
    notifyBreaker(this.deps, this.health, next, this.breakerRules);
    this.health = next;
  }

  /** Records the symbol's success on its own: the tick ends in a skip that is no failure. */
  markHealthy(): Promise<void> {
    return this.saveHealth(recordSuccess(this.health, this.input.tick.scheduledAt));
  }

  skip(skipReason: SkipReason, extra: Partial<TickResult> = {}): Promise<TickResult> {
    return this.finish({ status: TickStatus.Skipped, skipReason, signal: Signal.None, ...extra });
  }

  /** Records the success and the tick result together: two independent single-item writes. */
  async succeed(fields: Partial<TickResult> & Pick<TickResult, 'signal'>): Promise<TickResult> {
    const next = recordSuccess(this.health, this.input.tick.scheduledAt);
    notifyBreaker(this.deps, this.health, next, this.breakerRules);
    this.health = next;
    const [, result] = await Promise.all([
      this.deps.store.putHealth(next),
      this.finish({ status: TickStatus.Ok, ...fields }),
    ]);
    return result;
  }

  /** Records the tick as failed with `error`, for the queue to retry. */
  fail(error: unknown): Promise<TickResult> {
    return this.finish({
      status: TickStatus.Failed,
      signal: Signal.None,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }

  private async finish(fields: TickEnd): Promise<TickResult> {
    const { clock, metrics, store } = this.deps;
    const { position, startedAt } = this;
    const result: TickResult = {
      tickId: tickId(this.input.tick),
      symbol: this.symbol.symbol,
      scheduledAt: new Date(this.input.tick.scheduledAt).toISOString(),
      position: {
        amount: position.amount,
        entryPrice: position.entryPrice,
        realisedPnl: position.realisedPnl,
      },
      breaker: this.health.breaker,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: clock.now() - startedAt,
      ...fields,
    };
    await store.putTickResult(result);
    metrics.add('TickDuration', result.durationMs);
    metrics.add(outcomeMetric[result.status], 1);
    if (result.skipReason === 'stale') metrics.add('StaleSkips', 1);
    if (result.skipReason === 'halted') metrics.add('HaltRefusals', 1);
    return result;
  }
}
