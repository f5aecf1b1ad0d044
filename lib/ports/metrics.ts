import type { MetricName } from '../metrics/catalogue.js';

/** Emits catalogue metrics; the Lambda adapter writes EMF through Powertools. */
export interface MetricsSink {
  /** Adds one value; `dimensions` only for metrics whose catalogue entry lists them. */
  add(name: MetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}
