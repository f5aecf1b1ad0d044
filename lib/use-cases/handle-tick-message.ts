import { tickId } from '../domain/tick.js';
import { PoisonMessageError, parseTickMessage } from '../domain/tick-message.js';
import type { DeadLetters } from '../ports/dead-letters.js';
import type { MessageRetry } from '../ports/message-retry.js';
import type { MetricsSink } from '../ports/metrics.js';
import { UnknownSymbolError } from './process-symbol-tick.js';
import type { RecordedTickResult, TickRunner } from './tick-runner.js';

export interface TickMessageDeps {
  /** Runs the tick once per tick id: a redelivered tick answers its recorded result. */
  readonly runTickOnce: TickRunner;
  /** Where a message that can never be processed goes; without it, such a message throws. */
  readonly deadLetters?: DeadLetters;
  readonly metrics: MetricsSink;
  /**
   * Brings a failed message back after `delayMs` (`guards.retryDelayMs`) instead of the queue's
   * visibility timeout; without it, the queue's timeout applies.
   */
  readonly retry?: {
    readonly queue: MessageRetry;
    readonly delayMs: number;
    /** Told when the retry could not be scheduled: the visibility timeout then applies. */
    readonly onUnscheduled?: (error: unknown) => void;
  };
}

/** One symbol-tick queue message, as the event source delivered it. */
export interface TickMessage {
  readonly messageId: string;
  readonly body: string;
  /** FIFO message group (the symbol the sender meant). */
  readonly groupId?: string;
  /** How often the queue has delivered it, this delivery included. */
  readonly receiveCount: number;
  /** The handle of this delivery, for changing its visibility. */
  readonly receiptHandle?: string;
}

export type TickMessageOutcome =
  | { readonly kind: 'ran'; readonly result: RecordedTickResult }
  | { readonly kind: 'replayed'; readonly result: RecordedTickResult }
  | { readonly kind: 'dead-lettered'; readonly reason: string };

/**
 * Handles one symbol-tick queue message:
 *
 * 1. parse the body into a tick (a body that is not one is poison);
 * 2. run the tick once per tick id; a redelivery answers the recorded result and is counted as
 *    `DuplicateDeliveries`;
 * 3. a poison message or a symbol the config does not trade goes to the dead letters with the
 *    reason and is counted as `PoisonMessages`: retrying cannot fix it, and the batch goes on;
 * 4. any other failure makes the message visible again after the retry delay, well inside the
 *    stale limit, so its redelivery can still decide on the tick's candle (left to the queue's
 *    visibility timeout, six function timeouts, it would come too late); then it propagates, so
 *    the message is reported failed and delivered again.
 */
export async function handleTickMessage(
  deps: TickMessageDeps,
  message: TickMessage,
): Promise<TickMessageOutcome> {
  try {
    const tick = parseTickMessage(message.body);
    const result = await deps.runTickOnce({
      tickId: tickId(tick),
      symbol: tick.symbol,
      scheduledAt: tick.scheduledAt,
      attempt: message.receiveCount > 0 ? message.receiveCount : 1,
      ...(tick.pair === undefined ? {} : { pair: tick.pair }),
    });
    if (result.replayed) deps.metrics.add('DuplicateDeliveries', 1);
    return { kind: result.replayed ? 'replayed' : 'ran', result };
  } catch (error) {
    const poison = error instanceof PoisonMessageError || error instanceof UnknownSymbolError;
    if (!poison || deps.deadLetters === undefined) {
      if (!poison) await scheduleRetry(deps, message);
      throw error;
    }
    await deps.deadLetters.deadLetter(
      {
        messageId: message.messageId,
        body: message.body,
        ...(message.groupId ? { groupId: message.groupId } : {}),
      },
      error.message,
    );
    deps.metrics.add('PoisonMessages', 1);
    return { kind: 'dead-lettered', reason: error.message };
  }
}

/** Asks for the message's redelivery after the retry delay; a failure to ask is only reported. */
async function scheduleRetry(deps: TickMessageDeps, message: TickMessage): Promise<void> {
  const { retry } = deps;
  if (retry === undefined || message.receiptHandle === undefined) return;
  try {
    await retry.queue.retryAfter(message.receiptHandle, retry.delayMs);
  } catch (error) {
    retry.onUnscheduled?.(error);
  }
}
