import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MiddlewareObj } from '@middy/core';
import type { MetricsSink } from '../ports/metrics.js';

/**
 * A middy middleware that measures how long the event loop was blocked during each invocation
 * and emits the 99th percentile as `EventLoopDelayP99`. A handler that blocks its loop is the
 * failure tickfan exists to contain; this makes it visible. Register it after the metrics
 * middleware, so its `after` runs before the metrics are published.
 */
export function eventLoopDelay(metrics: MetricsSink): MiddlewareObj {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const emit = () => {
    // The histogram counts in nanoseconds.
    const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    metrics.add('EventLoopDelayP99', Math.round(p99 * 100) / 100);
  };
  return {
    before: () => histogram.reset(),
    after: emit,
    onError: emit,
  };
}
