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
} as const;

export type AlarmId = keyof typeof AlarmIds;

/**
 * Memory of each function in MB. Lambda's CPU share grows with memory; 512 MB gives the trade
 * function (ccxt, JSON parsing, strategy) a third of a vCPU, the fan-out needs less. The markets
 * function parses the exchange's whole market list (Binance's runs to megabytes) once an hour.
 */
export const functionMemoryMb = { trade: 512, 'fan-out': 256, markets: 512 } as const;

/** The markets function's timeout: one market list fetched, one item per symbol written. */
export const marketsFunctionSeconds = 60;
