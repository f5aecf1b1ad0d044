import type { TradingControl } from '../domain/control.js';
import type { OrderRecord } from '../domain/order-lifecycle.js';
import type { PairSelection } from '../domain/pair-selection.js';
import type { Position } from '../domain/position.js';
import type { SymbolHealth } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';

// The record belongs to the order's lifecycle; stores and their callers keep importing it here.
export type { OrderRecord } from '../domain/order-lifecycle.js';

/** Thrown when a version-checked write finds another writer got there first. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The state a symbol tick opens with. */
export interface TickState {
  readonly position: Position;
  readonly health: SymbolHealth;
  readonly control: TradingControl;
}

/** Which symbols' health and positions {@link StateStore.getSymbolStates} reads. */
export interface SymbolStatesRequest {
  readonly health: readonly string[];
  readonly positions: readonly string[];
  /** Read the stored pair selection too. */
  readonly selection?: boolean;
}

/**
 * The kill switch and the health and positions of many symbols, each as its own getter gives it
 * (a symbol never written has its healthy or flat default), keyed by symbol.
 */
export interface SymbolStates {
  readonly control: TradingControl;
  /** One entry per symbol of the request's `health`. */
  readonly health: ReadonlyMap<string, SymbolHealth>;
  /** One entry per symbol of the request's `positions`. */
  readonly positions: ReadonlyMap<string, Position>;
  /** The stored pair selection, when asked for and one is stored. */
  readonly selection?: PairSelection;
}

/** Durable trading state: positions, orders and tick results. */
export interface StateStore {
  getPosition(symbol: string): Promise<Position>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else ConflictError. */
  putPosition(next: Position): Promise<void>;
  /** Records a new order intent; returns false (and writes nothing) if the id exists already. */
  createOrder(order: OrderRecord): Promise<boolean>;
  getOrder(symbol: string, clientOrderId: string): Promise<OrderRecord | undefined>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else ConflictError. */
  updateOrder(next: OrderRecord): Promise<void>;
  listOrders(symbol: string): Promise<OrderRecord[]>;
  putTickResult(result: TickResult): Promise<void>;
  listTickResults(symbol: string): Promise<TickResult[]>;
  /** The stored result of one tick (`scheduledAt` as an ISO string), if any. */
  getTickResult(symbol: string, scheduledAt: string): Promise<TickResult | undefined>;
  /**
   * Claims one of `max` open-position slots for `symbol` (a conditional set add, idempotent for a
   * symbol that holds one); false when all are taken.
   */
  reserveOpenPosition(symbol: string, max: number): Promise<boolean>;
  /** Gives `symbol`'s slot back; idempotent. */
  releaseOpenPosition(symbol: string): Promise<void>;
  /**
   * Books one fill's realised PnL into the UTC day `day` (YYYY-MM-DD), once per order id, and
   * returns the day's total so far.
   */
  addRealisedPnl(day: string, orderId: string, pnl: number): Promise<number>;
  /** The kill switch; active trading when never set. */
  getControl(): Promise<TradingControl>;
  /**
   * What a tick starts from, read together (one round trip where the store can): the symbol's
   * position and health and the kill switch, each as its own getter gives it.
   */
  getTickState(symbol: string): Promise<TickState>;
  /**
   * The kill switch and the health and positions of many symbols, read in as few round trips as
   * the store can (the fan-out reads a thousand symbols a tick): what `getControl`, `getHealth`
   * and `getPosition` would give, with the same consistency.
   */
  getSymbolStates(request: SymbolStatesRequest): Promise<SymbolStates>;
  putControl(control: TradingControl): Promise<void>;
  /** The pairs the volume selectors picked at the last markets refresh; undefined before one. */
  getSelection(): Promise<PairSelection | undefined>;
  /** Stores `selection` over the last one (only the markets refresh writes it). */
  putSelection(selection: PairSelection): Promise<void>;
  /** The symbol's breaker and last success; healthy and version 0 when never written. */
  getHealth(symbol: string): Promise<SymbolHealth>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else ConflictError. */
  putHealth(next: SymbolHealth): Promise<void>;
}
