import type { Side } from './signal.js';

/** Why a position was exited; the same names the order records carry. */
export type TradeExitReason = 'signal' | 'stoploss' | 'trailing' | 'roi' | 'manual';

/** The kinds of event a person is told about. */
export const TradeEventKind = {
  EntryFilled: 'entry-filled',
  ExitFilled: 'exit-filled',
  StopPlaced: 'stop-placed',
  StopMissing: 'stop-missing',
  OrderRejected: 'order-rejected',
  BreakerOpened: 'breaker-opened',
  BreakerClosed: 'breaker-closed',
  Halt: 'halt',
  CloseOnly: 'close-only',
  DailyLossLimit: 'daily-loss-limit',
  SymbolSilent: 'symbol-silent',
  DlqNotEmpty: 'dlq-not-empty',
} as const;
export type TradeEventKind = (typeof TradeEventKind)[keyof typeof TradeEventKind];

interface EventBase {
  /** When it happened, epoch milliseconds. */
  readonly time: number;
}

interface SymbolEventBase extends EventBase {
  readonly symbol: string;
}

/** An entry order filled: the position was opened or added to. */
export interface EntryFilledEvent extends SymbolEventBase {
  readonly kind: 'entry-filled';
  readonly clientOrderId: string;
  /** Base-currency amount bought. */
  readonly amount: number;
  /** Average fill price. */
  readonly price: number;
  /** Fee in the quote currency. */
  readonly fee: number;
}

/** An exit order filled: the position was reduced or closed. */
export interface ExitFilledEvent extends SymbolEventBase {
  readonly kind: 'exit-filled';
  readonly clientOrderId: string;
  readonly reason: TradeExitReason;
  readonly amount: number;
  readonly price: number;
  readonly fee: number;
  /** Realised profit or loss of this exit in the quote currency, fees included. */
  readonly pnl: number;
}

/** A protective stop now rests on the exchange. */
export interface StopPlacedEvent extends SymbolEventBase {
  readonly kind: 'stop-placed';
  readonly clientOrderId: string;
  readonly amount: number;
  /** Trigger price of the stop. */
  readonly stopPrice: number;
}

/** An open position was found without its stop on the exchange. */
export interface StopMissingEvent extends SymbolEventBase {
  readonly kind: 'stop-missing';
  /** Base-currency amount held without protection. */
  readonly amount: number;
  /** The stop the position should have, when known. */
  readonly clientOrderId?: string;
  readonly stopPrice?: number;
  /** What happens next, e.g. "placing it again". */
  readonly detail?: string;
}

/** The exchange or the risk rules refused an order. */
export interface OrderRejectedEvent extends SymbolEventBase {
  readonly kind: 'order-rejected';
  readonly clientOrderId: string;
  readonly side: Side;
  readonly amount: number;
  readonly reason: string;
}

/** A symbol's circuit breaker opened: its ticks are refused until the cooldown has passed. */
export interface BreakerOpenedEvent extends SymbolEventBase {
  readonly kind: 'breaker-opened';
  /** Exchange failures in a row that opened it. */
  readonly failures: number;
  /** How long it refuses ticks before the next probe. */
  readonly cooldownMs: number;
}

/** A symbol's circuit breaker closed again: the exchange answered. */
export interface BreakerClosedEvent extends SymbolEventBase {
  readonly kind: 'breaker-closed';
}

/** Trading was halted: no order is sent until someone resumes. */
export interface HaltEvent extends EventBase {
  readonly kind: 'halt';
  readonly reason?: string;
  /** Who set it: an operator's name, `cli`, `daily-loss-limit`. */
  readonly by?: string;
}

/** Trading moved to close-only: exits and stops go on, entries are refused. */
export interface CloseOnlyEvent extends EventBase {
  readonly kind: 'close-only';
  readonly reason?: string;
  readonly by?: string;
}

/** The day's realised loss reached `risk.maxDailyLoss`. */
export interface DailyLossLimitEvent extends EventBase {
  readonly kind: 'daily-loss-limit';
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** The day's realised PnL so far (negative). */
  readonly realisedPnl: number;
  readonly limit: number;
  /** The mode trading moved to. */
  readonly action: 'close-only' | 'halt';
}

/** A symbol had no successful tick for too long (a CloudWatch alarm). */
export interface SymbolSilentEvent extends EventBase {
  readonly kind: 'symbol-silent';
  /** The silent symbol; the deployed alarm counts silent symbols without naming them. */
  readonly symbol?: string;
  /** The alarm's own explanation, as CloudWatch gave it. */
  readonly detail?: string;
}

/** Messages are waiting in a dead-letter queue (a CloudWatch alarm). */
export interface DlqNotEmptyEvent extends EventBase {
  readonly kind: 'dlq-not-empty';
  readonly queue: string;
  /** Messages visible when the alarm fired, when known. */
  readonly messages?: number;
  readonly detail?: string;
}

/** Every trade and health event a person is told about. */
export type TradeEvent =
  | EntryFilledEvent
  | ExitFilledEvent
  | StopPlacedEvent
  | StopMissingEvent
  | OrderRejectedEvent
  | BreakerOpenedEvent
  | BreakerClosedEvent
  | HaltEvent
  | CloseOnlyEvent
  | DailyLossLimitEvent
  | SymbolSilentEvent
  | DlqNotEmptyEvent;

/** Every kind, in the order reports list them. */
export const tradeEventKinds: readonly TradeEventKind[] = Object.values(TradeEventKind);
