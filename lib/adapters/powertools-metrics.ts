import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { type MetricName, metricCatalogue } from '../metrics/catalogue.js';
import type { MetricsSink } from '../ports/metrics.js';

/** Writes catalogue metrics as EMF through a Powertools `Metrics` instance. */
export class PowertoolsMetrics implements MetricsSink {
  constructor(private readonly metrics: Metrics) {}

  add(name: MetricName, value: number, dimensions?: Readonly<Record<string, string>>): void {
    // The catalogue's units are Powertools unit names ('None' is its NoUnit).
    const unit = metricCatalogue[name].unit as MetricUnit;
    if (dimensions === undefined) {
      this.metrics.addMetric(name, unit, value);
      return;
    }
    // Extra dimensions apply to one metric only, so it is published on its own.
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  }
}
