import type { MetricName } from '../metrics/catalogue.js';

/** Emits catalogue metrics; the Lambda adapter writes EMF through Powertools. */
export interface MetricsSink {
  add(name: MetricName, value: number): void;
}
