/**
 * Every metric tickfan emits: the one source of truth for the functions that emit them and for
 * the dashboard widgets and alarms built from them. A metric carries the `service` dimension of
 * the function that emits it, plus the extra dimensions listed here; nothing is per symbol
 * (per-symbol detail is in the logs, read through Logs Insights).
 */
export const metricCatalogue = {
  TicksScheduled: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Sum',
    meaning: 'Symbol ticks due at a schedule tick',
  },
  SymbolsDispatched: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Sum',
    meaning: 'Symbol tick messages sent to the queue',
  },
  DispatchFailures: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Sum',
    meaning: 'Symbol ticks that could not be queued after retries',
  },
  SilentSymbols: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Maximum',
    meaning: 'Enabled symbols with no successful tick for the silence window',
  },
  OpenBreakers: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Maximum',
    meaning: 'Symbols whose circuit breaker is open',
  },
  SelectedPairs: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Maximum',
    meaning: 'Pairs the volume selectors list, as the stored selection says',
  },
  ExitOnlyPairs: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Maximum',
    meaning: 'Pairs that left their volume list while holding, managed for exits until flat',
  },
  TradingHalted: {
    unit: 'Count',
    emittedBy: 'fan-out',
    statistic: 'Maximum',
    meaning: '1 while the kill switch halts trading, else 0',
  },
  HaltRefusals: {
    unit: 'Count',
    emittedBy: 'both',
    statistic: 'Sum',
    meaning: 'Symbol ticks or entries refused by the kill switch',
  },
  StopsPlaced: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Protective stops placed on the exchange (first and replacements)',
  },
  StopsFilled: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Positions closed by their stop resting on the exchange',
  },
  StopsMissing: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Open positions found without their stop on the exchange (placed again)',
  },
  TickSucceeded: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Symbol ticks that ran to a decision',
  },
  TickFailed: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Symbol ticks that failed and will be retried',
  },
  TickSkipped: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning:
      'Symbol ticks acknowledged without trading (stale, halted, breaker, deadline, ratelimit)',
  },
  VanishedAttempts: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Earlier attempts of a tick that ended without a word (killed at the timeout)',
  },
  StaleSkips: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Ticks skipped because they ran late or their candle had not closed',
  },
  RateLimitSkips: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning:
      'Ticks or orders the shared rate budget had no room for within their deadline (skipped: ratelimit)',
  },
  RateBudgetWaits: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Times a tick waited for the next rate-budget window or for a 429/418 pause to end',
  },
  TickDuration: {
    unit: 'Milliseconds',
    emittedBy: 'trade',
    statistic: 'p99',
    meaning: 'Wall time of one symbol tick',
  },
  TickLag: {
    unit: 'Milliseconds',
    emittedBy: 'trade',
    statistic: 'p99',
    meaning: 'Tick start minus its scheduled time',
  },
  ExchangeLatency: {
    unit: 'Milliseconds',
    emittedBy: 'trade',
    statistic: 'p99',
    dimensions: ['call'],
    meaning: 'Duration of one exchange call, by call kind',
  },
  FetchFailures: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Exchange calls that failed (timeouts included)',
  },
  ExchangeTimeouts: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Exchange calls that ran out of time',
  },
  OrdersPlaced: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Orders the venue accepted',
  },
  OrdersRejected: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Orders refused by risk rules or by the venue',
  },
  PoisonMessages: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Messages that can never be processed, moved to the dead-letter queue at once',
  },
  DuplicateDeliveries: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Tick messages delivered again and answered from the recorded result',
  },
  RealisedPnl: {
    unit: 'None',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Realised profit and loss of closed trades, in the quote currency',
  },
  DailyLossLimitReached: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning: 'Times the daily loss limit moved trading to close-only (or halted it)',
  },
  NotificationFailures: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning:
      'Trade events that could not be published to the notification topic (the trade went on)',
  },
  MarketRulesFallbacks: {
    unit: 'Count',
    emittedBy: 'trade',
    statistic: 'Sum',
    meaning:
      'Symbols a trade container found no stored market rules for, so it loaded every market from the exchange',
  },
  EventLoopDelayP99: {
    unit: 'Milliseconds',
    emittedBy: 'trade',
    statistic: 'Maximum',
    meaning: '99th percentile event-loop delay during one invocation',
  },
  ColdStart: {
    unit: 'Count',
    emittedBy: 'both',
    statistic: 'Sum',
    dimensions: ['function_name'],
    meaning: 'Invocations that started a new container (emitted by Powertools)',
  },
} as const satisfies Record<string, MetricDefinition>;

export interface MetricDefinition {
  readonly unit: 'Count' | 'Milliseconds' | 'None';
  readonly emittedBy: 'trade' | 'fan-out' | 'both';
  /** The statistic a dashboard or alarm reads it with. */
  readonly statistic: 'Sum' | 'Maximum' | 'Average' | 'p99';
  readonly dimensions?: readonly string[];
  readonly meaning: string;
}

export type MetricName = keyof typeof metricCatalogue;
export type MetricUnit = (typeof metricCatalogue)[MetricName]['unit'];

/** The default CloudWatch namespace; a deployed stage sets its own through the environment. */
export const metricNamespace = 'tickfan';

/** Powertools service names, one per function: the `service` dimension of every metric. */
export const serviceNames = { trade: 'tickfan-trade', 'fan-out': 'tickfan-fan-out' } as const;

/**
 * The service name of the markets function's log lines. It emits no catalogue metric (its
 * failures are Lambda's own Errors metric), so it is no metric emitter.
 */
export const marketsServiceName = 'tickfan-markets';
