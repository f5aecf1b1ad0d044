import type { TradeEvent, TradeEventKind } from '../../lib/domain/trade-event.js';

const time = Date.parse('2026-01-16T10:05:00.000Z');

/** One event of every kind, with figures a reader can check in each format. */
export const sampleEvents = {
  'entry-filled': {
    kind: 'entry-filled',
    symbol: 'LTC/BTC',
    time,
    clientOrderId: 'tf-ltc-buy-1',
    amount: 0.586,
    price: 0.0170654,
    fee: 0.00001,
  },
  'exit-filled': {
    kind: 'exit-filled',
    symbol: 'LTC/BTC',
    time,
    clientOrderId: 'tf-ltc-sell-2',
    reason: 'stoploss',
    amount: 0.586,
    price: 0.0153588,
    fee: 0.000009,
    pnl: -0.00101,
  },
  'stop-placed': {
    kind: 'stop-placed',
    symbol: 'ETH/BTC',
    time,
    clientOrderId: 'tf-eth-stop-1',
    amount: 1.25,
    stopPrice: 0.0812,
  },
  'stop-missing': {
    kind: 'stop-missing',
    symbol: 'ETH/BTC',
    time,
    amount: 1.25,
    clientOrderId: 'tf-eth-stop-1',
    stopPrice: 0.0812,
    detail: 'placing it again',
  },
  'order-rejected': {
    kind: 'order-rejected',
    symbol: 'XLM/BTC',
    time,
    clientOrderId: 'tf-xlm-buy-3',
    side: 'buy',
    amount: 266.45,
    reason: 'insufficient balance <BTC> & fees',
  },
  'breaker-opened': {
    kind: 'breaker-opened',
    symbol: 'XLM/BTC',
    time,
    failures: 3,
    cooldownMs: 900_000,
  },
  'breaker-closed': { kind: 'breaker-closed', symbol: 'XLM/BTC', time },
  halt: { kind: 'halt', time, reason: 'mid-run', by: 'cli' },
  'close-only': { kind: 'close-only', time, reason: 'maintenance', by: 'cli' },
  'daily-loss-limit': {
    kind: 'daily-loss-limit',
    time,
    day: '2026-01-16',
    realisedPnl: -0.0512,
    limit: 0.05,
    action: 'close-only',
  },
  'symbol-silent': {
    kind: 'symbol-silent',
    symbol: 'ADA/BTC',
    time,
    detail: 'no successful tick for 3 periods',
  },
  'dlq-not-empty': {
    kind: 'dlq-not-empty',
    time,
    queue: 'tickfan-ticks-dlq.fifo',
    messages: 2,
    detail: 'Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).',
  },
} as const satisfies { readonly [K in TradeEventKind]: Extract<TradeEvent, { kind: K }> };

/** The sample events as a table for `describe.each`. */
export const everySampleEvent: readonly (readonly [TradeEventKind, TradeEvent])[] = Object.entries(
  sampleEvents,
) as [TradeEventKind, TradeEvent][];

/** The figures each sample's message must show, as the formats print them. */
export const sampleFigures: { readonly [K in TradeEventKind]: readonly string[] } = {
  'entry-filled': ['LTC/BTC', '0.586', '0.0170654', '0.00001', 'tf-ltc-buy-1'],
  'exit-filled': ['LTC/BTC', 'stoploss', '-0.00101', '0.0153588', 'tf-ltc-sell-2'],
  'stop-placed': ['ETH/BTC', '0.0812', '1.25', 'tf-eth-stop-1'],
  'stop-missing': ['ETH/BTC', '1.25', '0.0812', 'placing it again'],
  'order-rejected': ['XLM/BTC', 'buy', '266.45', 'insufficient balance', 'tf-xlm-buy-3'],
  'breaker-opened': ['XLM/BTC', '3', '15 min'],
  'breaker-closed': ['XLM/BTC'],
  halt: ['halted', 'mid-run', 'cli'],
  'close-only': ['close-only', 'maintenance', 'cli'],
  'daily-loss-limit': ['2026-01-16', '-0.0512', '0.05', 'close-only'],
  'symbol-silent': ['ADA/BTC', 'no successful tick for 3 periods'],
  'dlq-not-empty': ['tickfan-ticks-dlq.fifo', '2'],
};
