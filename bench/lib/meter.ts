/**
 * Wall time during which at least one call of a port was in flight: concurrent calls (the three
 * reads a tick starts with) count once, as they cost the tick once.
 */
export class BusyMeter {
  private inFlight = 0;
  private since = 0;
  private total = 0;
  private calls = 0;

  enter(): void {
    this.calls += 1;
    if (this.inFlight++ === 0) this.since = performance.now();
  }

  leave(): void {
    if (--this.inFlight === 0) this.total += performance.now() - this.since;
  }

  /** Busy time since the last take, in ms; resets it. */
  take(): number {
    const total = this.total;
    this.total = 0;
    return total;
  }

  /** Calls entered since the last takeCalls; resets the count. */
  takeCalls(): number {
    const calls = this.calls;
    this.calls = 0;
    return calls;
  }
}

/**
 * `target` with every promise-returning method timed on `meter`. Methods run on the target
 * itself, so calls a method makes internally are not counted twice.
 */
export function metered<T extends object>(target: T, meter: BusyMeter): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, object, args);
        if (!(result instanceof Promise)) return result;
        meter.enter();
        return result.finally(() => meter.leave());
      };
    },
  });
}
