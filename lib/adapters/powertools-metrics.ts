import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type MetricName, metricCatalogue } from '../metrics/catalogue.js';
import type { MetricsSink } from '../ports/metrics.js';

/** Writes catalogue metrics as EMF through a Powertools `Metrics` instance. */
export class PowertoolsMetrics implements MetricsSink {
  constructor(private readonly metrics: Metrics) {}

  add(name: MetricName, value: number): void {
    this.metrics.addMetric(name, MetricUnit[metricCatalogue[name].unit], value);
  }
}
