import type { SymbolTick } from '../domain/tick.js';

export interface DispatchResult {
  readonly sent: number;
  /** Ticks that could not be sent after retries, with the last error. */
  readonly failed: readonly { readonly tick: SymbolTick; readonly error: string }[];
}

/** Hands symbol ticks to the trade function: SQS FIFO, one group per symbol. */
export interface SymbolQueue {
  send(ticks: readonly SymbolTick[]): Promise<DispatchResult>;
}
