import type { Clock } from '../ports/clock.js';

/**
 * The simulated clock of a local run: set to a point in history, it then runs at wall-clock speed
 * until set again. Its offset from the system clock is what invocations are given.
 */
export class SimClock implements Clock {
  private offset = 0;

  constructor(start?: number) {
    if (start !== undefined) this.set(start);
  }

  set(at: number): void {
    this.offset = at - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }
}
