/**
 * Every metric tickfan emits: the one source of truth for the functions that emit them and for
 * the dashboard and alarms that read them.
 */
export const metricCatalogue = {
  TicksScheduled: { unit: 'Count', meaning: 'Symbol ticks due at a schedule tick' },
  SymbolsDispatched: { unit: 'Count', meaning: 'Symbol tick messages sent to the queue' },
  DispatchFailures: { unit: 'Count', meaning: 'Symbol ticks that could not be queued' },
  TickSucceeded: { unit: 'Count', meaning: 'Symbol ticks that ran to completion' },
  TickFailed: { unit: 'Count', meaning: 'Symbol ticks that threw and will be retried' },
  TickSkipped: { unit: 'Count', meaning: 'Symbol ticks acknowledged without trading' },
  TickDuration: { unit: 'Milliseconds', meaning: 'Wall time of one symbol tick' },
  TickLag: { unit: 'Milliseconds', meaning: 'Tick start minus its scheduled time' },
  OrdersPlaced: { unit: 'Count', meaning: 'Orders the venue accepted' },
  OrdersRejected: { unit: 'Count', meaning: 'Orders refused by risk rules or the venue' },
} as const;

export type MetricName = keyof typeof metricCatalogue;
export type MetricUnit = (typeof metricCatalogue)[MetricName]['unit'];

/** The CloudWatch namespace of every tickfan metric. */
export const metricNamespace = 'tickfan';
