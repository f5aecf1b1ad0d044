/**
 * Facts about what a tickfan stack deploys, for code that must not load aws-cdk-lib to learn
 * them (the cost model) and for the constructs that deploy them.
 */

/** The alarms of a tickfan stage, by construct id; each alarm is named `<stack>-<id>`. */
export const AlarmIds = {
  SymbolDeadLetters: 'SymbolDeadLetters',
  ScheduleDeadLetters: 'ScheduleDeadLetters',
  OldestSymbolTick: 'OldestSymbolTick',
  TradeErrors: 'TradeErrors',
  TradeThrottles: 'TradeThrottles',
  FanOutErrors: 'FanOutErrors',
  FanOutThrottles: 'FanOutThrottles',
  ScheduleStopped: 'ScheduleStopped',
  SilentSymbols: 'SilentSymbols',
  OpenBreakers: 'OpenBreakers',
  TradingHalted: 'TradingHalted',
  DispatchFailures: 'DispatchFailures',
  MarketsErrors: 'MarketsErrors',
} as const;

export type AlarmId = keyof typeof AlarmIds;

/**
 * Memory of each function in MB. Lambda's CPU share grows with memory (a whole vCPU at 1,769 MB);
 * 512 MB gives the trade function (ccxt, JSON parsing, strategy) about a third of one.
 *
 * The fan-out is CPU-bound at scale: a tick of 1,000 symbols spends about 220 ms of CPU signing
 * and (de)serialising its 11 BatchGetItem and 100 SendMessageBatch calls (bench `scale`
 * section). At 256 MB (~1/7 vCPU) that alone would take ~1.5 s and delay every symbol's tick; at
 * 1,024 MB (~0.58 vCPU) ~0.4 s. CPU-bound work bills about the same GB-seconds at any size
 * below one vCPU, so the larger size costs little more and dispatches sooner.
 *
 * The markets function parses the exchange's whole market list (Binance's runs to megabytes)
 * once per refresh period.
 */
export const functionMemoryMb = { trade: 512, 'fan-out': 1024, markets: 512 } as const;

/** The markets function's timeout: one market list fetched, one item per symbol written. */
export const marketsFunctionSeconds = 60;
