import type { BotConfig, SymbolConfig } from '../config/schema.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import type { SymbolTick } from '../domain/tick.js';
import type { Broker } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { Notifier } from '../ports/notifier.js';
import type { RateBudget } from '../ports/rate-budget.js';
import type { StateStore } from '../ports/state-store.js';

/** The ports a symbol tick runs on, given as one object. */
export interface TradeDeps {
  readonly market: MarketData;
  readonly broker: Broker;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly config: BotConfig;
  /** Waits before the re-fetch of a candle that has not closed yet; default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Builds a symbol's strategy; default: the built-in named in its config. */
  readonly strategyFor?: (symbol: SymbolConfig) => Strategy;
  /** Where trade events go; none when nobody is to be told. Never delays or fails a trade. */
  readonly notifier?: Notifier;
  /**
   * The request and order budget shared with every other invocation on the same exchange
   * account and egress IP; none when `rateBudget.enabled` is off.
   */
  readonly budget?: RateBudget;
}

export interface TickInput {
  readonly tick: SymbolTick;
  /** Milliseconds this invocation has left (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /** Which delivery of the tick this is (SQS's receive count); 1 when unknown. */
  readonly attempt?: number;
}

export type ExchangeCallKind = 'candles' | 'market' | 'order' | 'lookup';

/** Runs one exchange call of a tick: timed, and counted toward the symbol's breaker if it fails. */
export type ExchangeCall = <T>(call: ExchangeCallKind, run: () => Promise<T>) => Promise<T>;

/** The ports of one running tick: the trade ports plus its exchange-call wrapper and deadline. */
export interface TickPorts extends TradeDeps {
  readonly call: ExchangeCall;
  /** The timeout for the next exchange call, or undefined when none fits the deadline. */
  readonly timeout: () => number | undefined;
}

export { minCallMs } from '../domain/deadline.js';
