/**
 * Brings a failed message back soon. The queue's own visibility timeout is six function
 * timeouts, longer than a symbol's stale limit, so a retry left to it could never trade.
 */
export interface MessageRetry {
  /**
   * Makes the message received with `receiptHandle` visible again `delayMs` from now (the queue
   * may round it up to its own granularity), so it is delivered again that soon.
   */
  retryAfter(receiptHandle: string, delayMs: number): Promise<void>;
}
