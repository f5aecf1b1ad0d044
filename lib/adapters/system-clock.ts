import type { Clock } from '../ports/clock.js';

/**
 * The system clock, shifted by `offsetMs()`. Lambda passes no offset; the local runtime replays
 * history by shifting every invocation onto the simulated clock.
 */
export class SystemClock implements Clock {
  constructor(private readonly offsetMs: () => number = () => 0) {}

  now(): number {
    return Date.now() + this.offsetMs();
  }
}
