import type { TradeEvent } from '../domain/trade-event.js';
import type { FlushableNotifier } from '../ports/notifier.js';

/**
 * The notifier of a local function or command: POSTs each event to the run's loopback endpoint
 * (see `startLocalNotifications`), which accepts it at once and delivers it later. Bounded and
 * silent on failure, like the SNS notifier it stands in for: a run that has ended or a lost
 * event never fails a trade.
 */
export class LoopbackNotifier implements FlushableNotifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs = 1_000,
    private readonly onFailure?: (event: TradeEvent, error: unknown) => void,
  ) {}

  notify(event: TradeEvent): Promise<void> {
    const run = fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(this.timeoutMs),
    }).then(
      async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) this.onFailure?.(event, new Error(`HTTP ${response.status}`));
      },
      (error: unknown) => {
        this.onFailure?.(event, error);
      },
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
  }
}
