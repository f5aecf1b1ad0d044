/** The time source; tests and the local runtime move it, Lambda reads the system clock. */
export interface Clock {
  /** Now, in epoch milliseconds. */
  now(): number;
}
