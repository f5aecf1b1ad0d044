import type { TickPair, TickResult } from '../domain/tick.js';

/** One symbol tick to run: the idempotency layer keys it on `tickId` (symbol + scheduled time). */
export interface TickRequest {
  readonly tickId: string;
  readonly symbol: string;
  readonly scheduledAt: number;
  /** Which delivery of the tick this is (SQS's receive count); 1 for a direct invocation. */
  readonly attempt: number;
  /** A selected pair's settings, as its message carries them; none for a fixed symbol. */
  readonly pair?: TickPair;
}

/** A tick's result; `replayed` when it is the recorded result of an earlier run of the tick. */
export type RecordedTickResult = TickResult & { readonly replayed?: true };

/** Runs a symbol tick, once per tick id or afresh, as the handler wires it. */
export type TickRunner = (request: TickRequest) => Promise<RecordedTickResult>;
