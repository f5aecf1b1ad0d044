/**
 * CloudWatch metrics built from the metric catalogue (`lib/metrics/catalogue.ts`), so the
 * dashboard and the alarms read exactly what the functions emit: the catalogue's name, statistic
 * and dimensions, the stage's namespace and the emitting function's Powertools `service`.
 */
import type { Duration } from 'aws-cdk-lib';
import { type IMetric, MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type MetricDefinition,
  type MetricName,
  metricCatalogue,
  serviceNames,
} from '../lib/metrics/catalogue.js';

/** A tickfan function, as the catalogue's `emittedBy` names it. */
export type Emitter = keyof typeof serviceNames;

/** Where a stage's metrics live and how finely they are read. */
export interface MetricScope {
  /** The stage's namespace, as the functions get it in `POWERTOOLS_METRICS_NAMESPACE`. */
  readonly namespace: string;
  readonly period: Duration;
}

/** Every catalogue metric name, in catalogue order. */
export const catalogueMetricNames = Object.keys(metricCatalogue) as MetricName[];

function definitionOf(name: MetricName): MetricDefinition {
  return metricCatalogue[name];
}

/** The functions that emit a metric: one, or both for `emittedBy: 'both'`. */
export function emittersOf(name: MetricName): Emitter[] {
  const { emittedBy } = definitionOf(name);
  return emittedBy === 'both' ? ['trade', 'fan-out'] : [emittedBy];
}

/** Dimensions a metric carries besides `service`. */
export function extraDimensionsOf(name: MetricName): readonly string[] {
  return definitionOf(name).dimensions ?? [];
}

/**
 * The metric as one function emits it, for an alarm: `service` is its only dimension. Alarms
 * cannot use SEARCH, so a metric with extra dimensions has no single series to alarm on and is
 * refused here.
 */
export function catalogueMetric(name: MetricName, emitter: Emitter, scope: MetricScope): Metric {
  if (!emittersOf(name).includes(emitter)) {
    throw new Error(`${name} is emitted by ${definitionOf(name).emittedBy}, not by ${emitter}`);
  }
  const extra = extraDimensionsOf(name);
  if (extra.length > 0) {
    throw new Error(
      `${name} is split by ${extra.join(', ')}; a single metric would match none of its series`,
    );
  }
  return new Metric({
    namespace: scope.namespace,
    metricName: name,
    dimensionsMap: { service: serviceNames[emitter] },
    statistic: definitionOf(name).statistic,
    period: scope.period,
  });
}

/**
 * What a dashboard graphs for a metric: one series per emitting function, and for a metric with
 * extra dimensions (ExchangeLatency by `call`) a SEARCH that draws one line per dimension value.
 */
export function catalogueGraphMetrics(name: MetricName, scope: MetricScope): IMetric[] {
  const extra = extraDimensionsOf(name);
  const { statistic } = definitionOf(name);
  return emittersOf(name).map((emitter) => {
    if (extra.length === 0) {
      return catalogueMetric(name, emitter, scope).with({ label: serviceNames[emitter] });
    }
    const schema = [scope.namespace, ...extra, 'service'].join(',');
    return new MathExpression({
      expression:
        `SEARCH('{${schema}} MetricName="${name}" service="${serviceNames[emitter]}"', ` +
        `'${statistic}', ${scope.period.toSeconds()})`,
      label: '',
      period: scope.period,
    });
  });
}

/** A dashboard metric row: `[namespace, metricName, dim, value, ..., options?]` or `[{ expression }]`. */
type MetricRow = readonly unknown[];

/**
 * The metric names a dashboard body charts in `namespace`, from its plain metric rows and its
 * SEARCH expressions. Tests use it to hold the dashboard to the catalogue; it reads the
 * CloudWatch dashboard body format, not CDK objects, so it sees what CloudWatch will see.
 */
export function dashboardMetricNames(body: unknown, namespace: string): Set<string> {
  const names = new Set<string>();
  const widgets = (body as { widgets?: { properties?: { metrics?: MetricRow[] } }[] }).widgets;
  for (const widget of widgets ?? []) {
    for (const row of widget.properties?.metrics ?? []) {
      const [first, second] = row;
      if (first === namespace && typeof second === 'string') names.add(second);
      const expression = (first as { expression?: unknown } | undefined)?.expression;
      if (typeof expression !== 'string') continue;
      for (const match of expression.matchAll(/SEARCH\('\{([^,}]+)[^}]*\}([^']*)'/g)) {
        if (match[1] !== namespace) continue;
        const metricName = /MetricName="([^"]+)"/.exec(match[2] ?? '')?.[1];
        if (metricName !== undefined) names.add(metricName);
      }
    }
  }
  return names;
}
