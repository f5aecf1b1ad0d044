/** A queue message that can never be processed, as it arrived. */
export interface UndeliverableMessage {
  readonly messageId: string;
  readonly body: string;
  /** FIFO message group it came from, if any. */
  readonly groupId?: string;
}

/** Where poison messages go, with the reason attached, instead of being retried. */
export interface DeadLetters {
  deadLetter(message: UndeliverableMessage, reason: string): Promise<void>;
}
